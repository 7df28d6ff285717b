/**
 * A pipeline of its own for bench/ingest-stall.ts: a child process that uploads report files
 * when told to, so that sending 20 MB (the loopback's copying is the sender's CPU) never
 * delays the probes of the process that measures, as it would if one process did both.
 * Messages: {url, token, files} → it reads the files and answers {ready}; {go} → it uploads
 * them all at once and answers {statuses}. A failed upload ends the process unanswered.
 */
import { readFileSync } from 'node:fs';
import { uploadReport } from './upload.js';

interface Setup {
  url: string;
  token: string;
  files: string[];
}

let setup: Setup | null = null;
let bodies: Buffer[] = [];

process.on('message', async (message: Partial<Setup> & { go?: boolean }) => {
  if (message.files && message.url && message.token) {
    setup = { url: message.url, token: message.token, files: message.files };
    bodies = setup.files.map((file) => readFileSync(file));
    process.send?.({ ready: true });
    return;
  }
  if (message.go && setup) {
    const target = setup;
    const statuses = await Promise.all(bodies.map((body) => uploadReport(target, body)));
    process.send?.({ statuses }, () => process.exit(0));
  }
});
