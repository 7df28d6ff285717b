import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { bigSarif } from '../helpers/big-sarif.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken } from '../helpers/tokens.js';

describeEachEngine('a 20 MB report', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t.close());

  it('ingests whole: every result stored, counts as computed by the generator', async () => {
    const root = await t.newSession({ instanceAdmin: true });
    const admin = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin });
    await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key: 'large', name: 'Large' },
    });
    const { token } = await createOrgToken(t, admin, org.key);
    const report = bigSarif(20);
    expect(report.text.length).toBeGreaterThan(20 * 1024 * 1024);
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects/large/analyses?format=sarif`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: report.text,
    });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(201);
    expect(response.json().summary.total).toBe(report.results);
    expect(response.json().summary.errors).toBe(report.errors);
    const stored = await t.store.db
      .selectFrom('analysis_issues')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('analysis_id', '=', response.json().id)
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(report.results);
  }, 120_000);
});
