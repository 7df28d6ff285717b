import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession, unique } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken } from '../helpers/tokens.js';

/** A header value as Node hands it over when the client sent `text` as UTF-8 bytes. */
function asUtf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

describeEachEngine('the user agent recorded for a request', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin });
  });
  afterAll(() => t.close());

  /** Creates a project sending `userAgent`, and returns the user agent its audit event holds. */
  async function auditedAgent(userAgent: string): Promise<unknown> {
    const key = unique('p-');
    const created = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key, name: key },
      headers: { 'user-agent': userAgent },
    });
    expect(created.statusCode, created.body).toBe(201);
    const events = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/audit-events?action=project.created`,
    });
    expect(events.statusCode, events.body).toBe(200);
    const event = (events.json().items as { target: { name: string }; userAgent: unknown }[]).find(
      (item) => item.target.name === key,
    );
    return event?.userAgent;
  }

  it('is stored as the text the client sent in UTF-8, not as its bytes read as latin1', async () => {
    expect(await auditedAgent(asUtf8Bytes('Jenkins/2.4 (Zürich; 日本)'))).toBe(
      'Jenkins/2.4 (Zürich; 日本)',
    );
    expect(await auditedAgent(asUtf8Bytes('ci-bot 🚀/1.0'))).toBe('ci-bot 🚀/1.0');
  });

  it('keeps a latin1 user agent whose bytes are not UTF-8 as received', async () => {
    // The single byte 0xFC is ü in latin1 and never valid UTF-8.
    expect(await auditedAgent('Z\u00fcrich-agent/1.0')).toBe('Zürich-agent/1.0');
    expect(await auditedAgent('plain-ascii/1.0 (+https://ci.example)')).toBe(
      'plain-ascii/1.0 (+https://ci.example)',
    );
  });

  it('drops control and bidirectional characters', async () => {
    expect(await auditedAgent(`agent/1.0\t(x)${asUtf8Bytes('\u202egnp.exe')}`)).toBe(
      'agent/1.0(x)gnp.exe',
    );
    // 0x85 alone is not UTF-8; read as latin1 it is the C1 control NEL.
    expect(await auditedAgent('agent\u0085/2.0')).toBe('agent/2.0');
  });

  it('is cut at 512 characters without splitting a surrogate pair', async () => {
    const long = `${'a'.repeat(511)}😀${'b'.repeat(100)}`;
    const stored = (await auditedAgent(asUtf8Bytes(long))) as string;
    expect(stored).toBe('a'.repeat(511));
    const exact = `${'a'.repeat(510)}😀${'b'.repeat(100)}`;
    expect(await auditedAgent(asUtf8Bytes(exact))).toBe(`${'a'.repeat(510)}😀`);
  });

  it('shows as the last use of a token as the client sent it', async () => {
    const { token, id } = await createOrgToken(t, admin, org.key);
    const used = await t.request(null, {
      method: 'GET',
      url: '/api/v1/me',
      headers: {
        authorization: `Bearer ${token}`,
        'user-agent': asUtf8Bytes('sonar-scanner/5.0 (São Paulo)'),
      },
    });
    expect(used.statusCode, used.body).toBe(200);
    await t.app.runtime.usage.flush();
    const shown = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/tokens/${id}`,
    });
    expect(shown.json().lastUsedUserAgent).toBe('sonar-scanner/5.0 (São Paulo)');
  });
});
