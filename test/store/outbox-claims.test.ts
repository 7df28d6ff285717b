import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { claimDueDeliveries, recordAttempt } from '../../src/store/outbox.js';
import { engines, freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import { insertOrgRow } from '../helpers/store-rows.js';

const iso = (ms: number) => new Date(ms).toISOString();

async function seed(store: Store, deliveries: number): Promise<void> {
  const now = iso(Date.now());
  await insertOrgRow(store.db, 'org');
  await store.db
    .insertInto('outbox_events')
    .values({
      id: 'event',
      org_id: 'org',
      type: 'token.revoked',
      token_id: null,
      body: '{}',
      created_at: now,
    })
    .execute();
  const rows = Array.from({ length: deliveries }, () => ({
    id: randomUUID(),
    event_id: 'event',
    org_id: 'org',
    channel: 'webhook',
    webhook_id: null,
    recipient: null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_attempt_at: null,
    response_status: null,
    error: null,
    duration_ms: null,
    created_at: now,
  }));
  for (let i = 0; i < rows.length; i += 100) {
    await store.db
      .insertInto('outbox_deliveries')
      .values(rows.slice(i, i + 100))
      .execute();
  }
}

// A claim never hands out more deliveries than it was asked for, nor one that another claim
// holds, however many claimers race: the delivery pool counts its free slots on it. Each
// claimer here answers at once and puts the delivery back due, so the same rows are claimed,
// released and claimed again by both sides for the whole run.
describe.each(engines)('claiming due deliveries [%s]', (engine) => {
  it.skipIf(engine === 'postgres' && !testDatabaseUrl)(
    'gives at most the limit asked for, and no delivery to two claimers at once',
    async () => {
      const database = await freshDatabaseUrl(engine);
      const stores =
        engine === 'postgres'
          ? [
              openStore(database.url, { maxConnections: 4 }),
              openStore(database.url, { maxConnections: 4 }),
            ]
          : [openStore(database.url)];
      const [first] = stores as [Store];
      try {
        await migrateToLatest(first);
        await seed(first, 60);
        let overLimit = 0;
        let lostOutcomes = 0;
        let claims = 0;
        // Every claim takes a lease of its own: a delivery claimed again while another claimer
        // held it would have its lease replaced, and the first claimer's outcome refused.
        const leaseBase = Date.now() + 60_000;
        let leases = 0;
        const claimer = async (store: Store) => {
          for (let round = 0; round < 150; round++) {
            const limit = 1 + (round % 7);
            leases += 1;
            const leaseUntil = iso(leaseBase + leases);
            const claimed = await claimDueDeliveries(
              store.db,
              store.engine,
              iso(Date.now()),
              leaseUntil,
              limit,
              ['webhook'],
            );
            claims += 1;
            if (claimed.length > limit) overLimit += 1;
            const recorded = await Promise.all(
              claimed.map((row) =>
                recordAttempt(store.db, row.id, leaseUntil, {
                  status: 'pending',
                  attempts: row.attempts + 1,
                  next_attempt_at: iso(Date.now() - 1000),
                  last_attempt_at: iso(Date.now()),
                  response_status: 500,
                  error: null,
                  duration_ms: 0,
                }),
              ),
            );
            lostOutcomes += recorded.filter((ok) => !ok).length;
          }
        };
        await Promise.all([0, 1, 2, 3].map((who) => claimer(stores[who % stores.length] as Store)));
        expect(claims).toBe(600);
        expect({ overLimit, lostOutcomes }).toEqual({ overLimit: 0, lostOutcomes: 0 });
      } finally {
        await Promise.all(stores.map((store) => store.close()));
        await database.drop();
      }
    },
    60_000,
  );
});
