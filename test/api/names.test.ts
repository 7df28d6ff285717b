import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession, unique } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken, daysFromNow } from '../helpers/tokens.js';

// Characters a name refuses, by class: each makes a name read differently than it is stored.
const refused: [string, string][] = [
  ['a zero-width space (U+200B, Cf)', '\u200b'],
  ['a left-to-right mark (U+200E, Cf)', '\u200e'],
  ['a right-to-left override (U+202E, Cf)', '\u202e'],
  ['a left-to-right isolate (U+2066, Cf)', '\u2066'],
  ['a byte order mark (U+FEFF, Cf)', '\ufeff'],
  ['a soft hyphen (U+00AD, Cf)', '\u00ad'],
  ['a zero-width joiner (U+200D, Cf)', '\u200d'],
  ['a C0 control (U+001B, Cc)', '\u001b'],
  ['DEL (U+007F, Cc)', '\u007f'],
  ['a C1 control (U+0085, Cc)', '\u0085'],
  ['a C1 control (U+009B, Cc)', '\u009b'],
  ['a combining grapheme joiner (U+034F, default-ignorable)', '\u034f'],
  ['a Hangul filler (U+3164, default-ignorable)', '\u3164'],
  ['a variation selector (U+FE0F, default-ignorable)', '\ufe0f'],
  ['a line separator (U+2028)', '\u2028'],
  ['a lone high surrogate', '\ud800'],
  ['a lone low surrogate', '\udc00'],
];

// Names in any script, with emoji (a ZWJ sequence or a variation selector, U+FE0F, would be
// refused as invisible).
const accepted = [
  'Zürich café déploiement',
  '日本語のトークン',
  '배포 토큰',
  'Ελληνικά',
  'نشر',
  'deploy 🚀 ❤ 🇨🇭 👍🏽',
];

describeEachEngine('names refuse invisible and control characters', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let org: { key: string; id: string };
  let tokenId: string;
  const projectKey = 'app';
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    const project = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key: projectKey, name: 'App' },
    });
    expect(project.statusCode, project.body).toBe(201);
    tokenId = (await createOrgToken(t, admin, org.key)).id;
  });
  afterAll(() => t.close());

  // Every route that takes a name, each with the status of its success. `n` makes each
  // name unique, since token names are unique among live tokens.
  const routes: [string, number, boolean, (name: string) => Promise<LightMyRequestResponse>][] = [
    [
      'creating an organization token',
      201,
      true,
      (name) =>
        t.request(admin, {
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/tokens`,
          payload: {
            name,
            permissions: ['analysis:execute'],
            projects: { mode: 'all' },
            expiresAt: daysFromNow(t, 30),
          },
        }),
    ],
    [
      'renaming an organization token',
      200,
      true,
      (name) =>
        t.request(admin, {
          method: 'PATCH',
          url: `/api/v1/orgs/${org.key}/tokens/${tokenId}`,
          payload: { name },
        }),
    ],
    [
      'creating a personal access token',
      201,
      true,
      (name) =>
        t.request(admin, {
          method: 'POST',
          url: '/api/v1/user/tokens',
          payload: { name, expiresAt: daysFromNow(t, 30) },
        }),
    ],
    [
      'generating a token on the SonarQube route',
      200,
      // A form body carries UTF-8, which cannot encode a lone surrogate.
      false,
      (name) =>
        t.request(admin, {
          method: 'POST',
          url: '/api/user_tokens/generate',
          payload: new URLSearchParams({
            name,
            type: 'USER_TOKEN',
            expirationDate: daysFromNow(t, 30).slice(0, 10),
          }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
    ],
    [
      'creating an organization',
      201,
      true,
      (name) =>
        t.request(root, {
          method: 'POST',
          url: '/api/v1/orgs',
          payload: { key: unique('org-'), name, plan: 'free' },
        }),
    ],
    [
      'renaming an organization',
      200,
      true,
      (name) =>
        t.request(admin, { method: 'PATCH', url: `/api/v1/orgs/${org.key}`, payload: { name } }),
    ],
    [
      'creating a project',
      201,
      true,
      (name) =>
        t.request(admin, {
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/projects`,
          payload: { key: unique('p-'), name },
        }),
    ],
    [
      'renaming a project',
      200,
      true,
      (name) =>
        t.request(admin, {
          method: 'PATCH',
          url: `/api/v1/orgs/${org.key}/projects/${projectKey}`,
          payload: { name },
        }),
    ],
    [
      'creating a user',
      201,
      true,
      (name) =>
        t.request(root, {
          method: 'POST',
          url: '/api/v1/users',
          payload: {
            email: `${unique('user')}@example.test`,
            name,
            password: 'correct horse battery staple',
          },
        }),
    ],
  ];

  describe.each(routes)('%s', (_, success, carriesSurrogates, send) => {
    it.each(refused)('refuses a name with %s, anywhere in it', async (label, character) => {
      if (!carriesSurrogates && /[\ud800-\udfff]/.test(character)) return;
      for (const name of [`ci-back${character}end`, `${character}ci-backend`, `ci${character}`]) {
        const response = await send(name);
        expect(response.statusCode, `${label}: ${response.body}`).toBe(400);
        expect(response.json().error.code).toBe('VALIDATION_FAILED');
        expect(response.json().error.field).toMatch(/\/name$/);
      }
    });

    it('takes ordinary names in any script, with emoji, as written', async () => {
      for (const text of accepted) {
        const name = `${text} ${unique('n')}`;
        const response = await send(name);
        expect(response.statusCode, `${name}: ${response.body}`).toBe(success);
        expect(response.json().name).toBe(name);
      }
    });
  });
});
