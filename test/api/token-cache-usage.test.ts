import { afterAll, beforeAll, expect, it } from 'vitest';
import { UsageRecorder } from '../../src/runtime/usage-recorder.js';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken, withToken } from '../helpers/tokens.js';

describeEachEngine('verification cache and usage batching', (engine) => {
  let t: TestApp;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
  });
  afterAll(() => t.close());

  const kinds = () => [...t.queries.sql];
  const since = (before: string[]) => kinds().slice(before.length);

  it('answers a cache hit without any store query', async () => {
    const { token } = await createOrgToken(t, admin, org.key);
    expect((await withToken(t, token, { url: '/api/v1/me' })).statusCode).toBe(200);
    const before = kinds();
    for (let i = 0; i < 20; i += 1) {
      expect((await withToken(t, token, { url: '/api/v1/me' })).statusCode).toBe(200);
    }
    expect(since(before)).toEqual([]);
  });

  it('looks the token up again once the entry is 30 seconds old', async () => {
    const { token } = await createOrgToken(t, admin, org.key);
    await withToken(t, token, { url: '/api/v1/me' });
    t.clock.advance(29_999);
    let before = kinds();
    await withToken(t, token, { url: '/api/v1/me' });
    expect(since(before)).toEqual([]);
    t.clock.advance(30_000);
    before = kinds();
    await withToken(t, token, { url: '/api/v1/me' });
    expect(since(before)).toEqual(['SelectQueryNode']);
  });

  it('records 1,000 authenticated requests as a daily count of 1,000, writing once per token per flush', async () => {
    const { token, id } = await createOrgToken(t, admin, org.key);
    await t.app.runtime.usage.flush();
    const before = kinds();
    let flushes = 0;
    for (let i = 1; i <= 1000; i += 1) {
      const response = await withToken(t, token, { url: '/api/v1/me' });
      expect(response.statusCode).toBe(200);
      if (i % 250 === 0) {
        await t.app.runtime.usage.flush();
        flushes += 1;
      }
    }
    const writes = since(before).filter((kind) => kind !== 'SelectQueryNode');
    // Per flush: one multi-row update of last use (raw SQL) and one multi-row upsert of
    // day counts, however many tokens the flush carries.
    expect(writes.filter((kind) => kind === 'RawNode')).toHaveLength(flushes);
    expect(writes.filter((kind) => kind === 'InsertQueryNode')).toHaveLength(flushes);
    expect(writes).toHaveLength(2 * flushes);
    const usage = await t.store.db
      .selectFrom('token_usage_daily')
      .select(['day', 'count'])
      .where('token_id', '=', id)
      .execute();
    expect(usage.map((u) => Number(u.count))).toEqual([1000]);
    expect(usage[0]?.day).toBe(t.clock.now().toISOString().slice(0, 10));
  });

  it('flushes many tokens in two statements, not two per token', async () => {
    const secrets = [];
    for (let i = 0; i < 30; i += 1) secrets.push((await createOrgToken(t, admin, org.key)).token);
    await t.app.runtime.usage.flush();
    for (const secret of secrets) await withToken(t, secret, { url: '/api/v1/me' });
    const before = kinds();
    await t.app.runtime.usage.flush();
    expect(since(before).filter((kind) => kind !== 'SelectQueryNode')).toEqual([
      'RawNode',
      'InsertQueryNode',
    ]);
  });

  it('shares the parsed scope of tokens that have the same one, frozen', async () => {
    const meta = { ip: '127.0.0.1', userAgent: 'test' };
    const actors = [];
    for (let i = 0; i < 2; i += 1) {
      const { token } = await createOrgToken(t, admin, org.key);
      const result = await t.app.runtime.verifier.verify(token, meta);
      if (!result.ok || result.token.actor.type !== 'organization_token') throw new Error('denied');
      actors.push({ actor: result.token.actor, allowedCidrs: result.token.allowedCidrs });
    }
    const [a, b] = actors;
    expect(a?.actor.permissions).toEqual(['analysis:execute', 'project:browse']);
    expect(b?.actor.permissions).toBe(a?.actor.permissions);
    expect(b?.actor.projects).toBe(a?.actor.projects);
    expect(b?.allowedCidrs).toBe(a?.allowedCidrs);
    expect(Object.isFrozen(a?.actor.permissions)).toBe(true);
    expect(Object.isFrozen(a?.actor.projects)).toBe(true);
  });

  it('never moves last use backwards, and adds counts from several batches', async () => {
    const { token, id } = await createOrgToken(t, admin, org.key);
    await withToken(t, token, { url: '/api/v1/me', remoteAddress: '10.0.0.1' });
    await t.app.runtime.usage.flush();
    const recorder = t.app.runtime.usage;
    // A batch carrying an older use (another instance's, say) must not overwrite the newer one.
    recorder.record(id, t.clock.now().getTime() - 60_000, '10.0.0.99', 'old');
    await recorder.flush();
    const row = await t.store.db
      .selectFrom('tokens')
      .select(['last_used_at', 'last_used_ip'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ last_used_at: t.clock.now().toISOString(), last_used_ip: '10.0.0.1' });
    const usage = await t.store.db
      .selectFrom('token_usage_daily')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .where('token_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(usage.n)).toBe(2);
  });

  /** What the store holds of a token's usage: its counts by day, and its last use. */
  const storedUsage = async (id: string) => ({
    days: (
      await t.store.db
        .selectFrom('token_usage_daily')
        .select(['day', 'count'])
        .where('token_id', '=', id)
        .orderBy('day')
        .execute()
    ).map((row) => [row.day, Number(row.count)]),
    last: await t.store.db
      .selectFrom('tokens')
      .select(['last_used_at', 'last_used_ip', 'last_used_user_agent'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow(),
  });

  it('counts the uses of a batch that spans midnight on each UTC day', async () => {
    const { id } = await createOrgToken(t, admin, org.key);
    const recorder = t.app.runtime.usage;
    await recorder.flush();
    const midnight = Date.UTC(2031, 0, 2);
    for (const offset of [-2_000, 1_000, -1_000, 3_000, 2_000]) {
      recorder.record(id, midnight + offset, '10.0.0.7', `at ${offset}`);
    }
    await recorder.flush();
    expect(await storedUsage(id)).toEqual({
      days: [
        ['2031-01-01', 2],
        ['2031-01-02', 3],
      ],
      last: {
        last_used_at: new Date(midnight + 3_000).toISOString(),
        last_used_ip: '10.0.0.7',
        last_used_user_agent: 'at 3000',
      },
    });
  });

  it('puts a failed batch back day by day, beside the uses recorded while it was written', async () => {
    const { id } = await createOrgToken(t, admin, org.key);
    const midnight = Date.UTC(2032, 0, 2);
    let recorder: UsageRecorder | undefined;
    let failNext = true;
    // The store's first transaction fails, after two more requests came in during the flush.
    const db = new Proxy(t.store.db, {
      get(target, key) {
        if (key === 'transaction' && failNext) {
          failNext = false;
          return () => ({
            execute: async () => {
              recorder?.record(id, midnight + 3_000, '10.0.0.3', 'during');
              recorder?.record(id, midnight - 3_000, '10.0.0.4', 'late report');
              throw new Error('store away');
            },
          });
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const quiet = { authentication() {}, cacheLookup() {}, usageFlush() {} };
    recorder = new UsageRecorder({ ...t.store, db }, quiet);
    recorder.record(id, midnight - 1_000, '10.0.0.1', 'before midnight');
    recorder.record(id, midnight + 1_000, '10.0.0.2', 'after midnight');
    await expect(recorder.flush()).rejects.toThrow('store away');
    expect(await recorder.flush()).toBe(1);
    expect(await storedUsage(id)).toEqual({
      days: [
        ['2032-01-01', 2],
        ['2032-01-02', 2],
      ],
      last: {
        last_used_at: new Date(midnight + 3_000).toISOString(),
        last_used_ip: '10.0.0.3',
        last_used_user_agent: 'during',
      },
    });
  });

  it('writes pending usage when the app closes (graceful shutdown)', async () => {
    const other = await createTestApp(engine);
    const root = await other.newSession({ instanceAdmin: true });
    const owner = await other.newSession();
    const team = await other.createOrg(root, { orgAdmin: owner });
    const { token, id } = await createOrgToken(other, owner, team.key);
    for (let i = 0; i < 7; i += 1) await withToken(other, token, { url: '/api/v1/me' });
    expect(other.app.runtime.usage.pendingTokens).toBe(1);
    await other.app.close();
    const usage = await other.store.db
      .selectFrom('token_usage_daily')
      .select('count')
      .where('token_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(usage.count)).toBe(7);
    await other.close();
  });

  it('keeps usage for the next flush when a flush fails', async () => {
    const other = await createTestApp(engine);
    try {
      const root = await other.newSession({ instanceAdmin: true });
      const owner = await other.newSession();
      const team = await other.createOrg(root, { orgAdmin: owner });
      const { token } = await createOrgToken(other, owner, team.key);
      for (let i = 0; i < 3; i += 1) await withToken(other, token, { url: '/api/v1/me' });
      await other.store.close();
      await expect(other.app.runtime.usage.flush()).rejects.toThrow();
      expect(other.app.runtime.usage.pendingTokens).toBe(1);
    } finally {
      await other.close().catch(() => {});
    }
  });
});
