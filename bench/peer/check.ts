/**
 * A one-shot smoke test of the better-auth peer: one good and one bad key, no load.
 * Run: npx tsx bench/peer/check.ts
 */
import { startBetterAuthPeer } from './better-auth-peer.js';

const peer = await startBetterAuthPeer({ keys: 10 });
try {
  const good = peer.keys[0];
  if (good === undefined) throw new Error('the peer created no keys');
  const goodResponse = await fetch(`${peer.url}/verify`, { headers: { 'x-api-key': good } });
  console.log('good key:', goodResponse.status, await goodResponse.text());
  // Same length and shape as a real key, so that only the lookup can reject it.
  const bad = `${good.slice(0, -4)}${good.endsWith('zzzz') ? 'yyyy' : 'zzzz'}`;
  const badResponse = await fetch(`${peer.url}/verify`, { headers: { 'x-api-key': bad } });
  console.log('bad key:', badResponse.status, await badResponse.text());
  console.log(`keys: ${peer.keys.length}, url: ${peer.url}`);
} finally {
  await peer.close();
}
