import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine, testDatabaseUrl } from '../helpers/engines.js';
import { lintFixture } from '../helpers/reports.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createOrgToken } from '../helpers/tokens.js';

// An organization token's upload is authorized before its body is read from what its
// verification remembers (src/runtime/verified-reads.ts), and again, reading the project
// afresh, when it is stored (src/services/analyses.ts). A deleted project is refused either way.
describeEachEngine('upload authorization with remembered projects', (engine) => {
  let t: TestApp;
  let admin: TestSession;
  let org: { key: string; id: string };
  let report: string;
  beforeAll(async () => {
    report = (await lintFixture()).eslintSarif;
    t = await createTestApp(engine);
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin });
  }, 60_000);
  afterAll(() => t.close());

  const newProject = async (key = `p-${Math.random().toString(36).slice(2, 8)}`) => {
    const created = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key, name: key },
    });
    expect(created.statusCode).toBe(201);
    return created.json() as { id: string; key: string };
  };
  const deleteProject = async (key: string) => {
    const deleted = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/projects/${key}`,
    });
    expect(deleted.statusCode).toBe(204);
  };
  const upload = (token: string, projectKey: string, body: string | Readable = report) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects/${projectKey}/analyses?format=sarif`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: body,
    });
  const code = (response: { json(): unknown }) =>
    (response.json() as { error?: { code: string } }).error?.code;

  it('reads the project once per upload after the first, and never the organization', async () => {
    const project = await newProject();
    const { token } = await createOrgToken(t, admin, org.key);
    // Reads of projects and organizations only: the server's periodic jobs (the outbox, the
    // token scans) may read other tables meanwhile, and on a loaded machine they did.
    const readsOf = async () => {
      const before = t.queries.count;
      expect((await upload(token, project.key)).statusCode).toBe(201);
      return t.queries.log
        .slice(before)
        .filter(({ kind, tables }) => kind === 'SelectQueryNode' && tables.some(isProjectOrOrg));
    };
    const isProjectOrOrg = (table: string) => table === 'projects' || table === 'orgs';
    await readsOf();
    // The project with its quality gate, read afresh in one statement when the analysis is
    // stored: no read of the organization, nor of the project before the body.
    expect(await readsOf()).toEqual([
      { kind: 'SelectQueryNode', tables: ['projects', 'quality_gates'] },
    ]);
  });

  it('refuses NOT_FOUND an upload whose project is deleted while its body is read, storing nothing', async () => {
    const project = await newProject();
    const { token } = await createOrgToken(t, admin, org.key);
    expect((await upload(token, project.key)).statusCode).toBe(201);
    let reading: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      reading = resolve;
    });
    const body = new Readable({ read: () => reading() });
    const answer = upload(token, project.key, body);
    await started;
    await deleteProject(project.key);
    const before = await storeDigest(t.store);
    body.push(report);
    body.push(null);
    const refused = await answer;
    expect(refused.statusCode).toBe(404);
    expect(code(refused)).toBe('NOT_FOUND');
    expect(await storeDigest(t.store)).toBe(before);
  });

  it('refuses a remembered project once deleted, and uploads to the one recreated under its key', async () => {
    const project = await newProject();
    const { token } = await createOrgToken(t, admin, org.key);
    expect((await upload(token, project.key)).statusCode).toBe(201);
    await deleteProject(project.key);
    const refused = await upload(token, project.key);
    expect(refused.statusCode).toBe(404);
    expect(code(refused)).toBe('NOT_FOUND');
    await newProject(project.key);
    expect((await upload(token, project.key)).statusCode).toBe(201);
    const listed = await t.request(admin, {
      url: `/api/v1/orgs/${org.key}/projects/${project.key}/analyses`,
    });
    expect((listed.json() as { items: unknown[] }).items).toHaveLength(1);
  });
});

// On PostgreSQL a small report is stored by one statement with its audit event, no
// transaction around it (src/store/analyses.ts, insertAnalysisAtOnce). A project deleted
// between the read that authorizes the write and that statement fails its foreign key: the
// upload is refused and nothing of it is stored. (SQLite's one connection is held while a
// test holds a read's answer, so the deletion cannot be put there; the store test of a batch
// with a row at fault covers its transaction.)
describe.skipIf(!testDatabaseUrl)(
  'an upload whose project goes between its read and its write [postgres]',
  () => {
    let t: TestApp;
    let admin: TestSession;
    let org: { key: string; id: string };
    beforeAll(async () => {
      t = await createTestApp('postgres');
      const root = await t.newSession({ instanceAdmin: true });
      admin = await t.newSession();
      org = await t.createOrg(root, { orgAdmin: admin });
    }, 60_000);
    afterAll(() => t.close());

    it('is refused CONFLICT, storing nothing', async () => {
      const report = (await lintFixture()).eslintSarif;
      const created = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key: 'going', name: 'Going' },
      });
      const project = created.json() as { id: string };
      const { token } = await createOrgToken(t, admin, org.key);
      const upload = () =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/projects/going/analyses?format=sarif`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: report,
        });
      expect((await upload()).statusCode).toBe(201);
      const unheld = { ...t.store, db: t.store.db.withoutPlugins() };
      const before = t.queries.count;
      const release = t.queries.hold();
      const answer = upload();
      // The project's read has run (its answer is held): delete the project before the write.
      await expect.poll(() => t.queries.sql.slice(before).includes('SelectQueryNode')).toBe(true);
      await unheld.db.deleteFrom('projects').where('id', '=', project.id).execute();
      const digest = await storeDigest(unheld);
      release();
      const refused = await answer;
      expect(refused.statusCode, refused.body).toBe(409);
      expect((refused.json() as { error: { code: string } }).error.code).toBe('CONFLICT');
      expect(await storeDigest(t.store)).toBe(digest);
    });
  },
);
