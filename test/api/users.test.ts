import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, password, type TestApp, type TestSession, unique } from '../helpers/app.js';
import { describeEachEngine, testDatabaseUrl } from '../helpers/engines.js';

describeEachEngine('users', (engine) => {
  let t: TestApp;
  let root: TestSession;
  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
  });
  afterAll(() => t.close());

  const post = (session: TestSession | null, payload: Record<string, unknown>) =>
    t.request(session, { method: 'POST', url: '/api/v1/users', payload });

  describe('happy path', () => {
    it('an instance admin creates a user who can then sign in', async () => {
      const email = `${unique('new')}@Example.TEST`;
      const response = await post(root, { email, name: ' Ada Lovelace ', password });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        email: email.toLowerCase(),
        name: 'Ada Lovelace',
        instanceAdmin: false,
        active: true,
      });
      const stored = await t.store.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', response.json().id)
        .executeTakeFirstOrThrow();
      expect(stored.password_hash).toMatch(/^scrypt\$1024\$8\$1\$/);
      expect(stored.password_hash).not.toContain(password);
      await expect(t.signIn(email)).resolves.toMatchObject({ user: { id: response.json().id } });
    });

    it('lists users by email with pagination', async () => {
      const response = await t.request(root, { method: 'GET', url: '/api/v1/users?limit=1' });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.items).toHaveLength(1);
      expect(body.nextCursor).toEqual(expect.any(String));
      const next = await t.request(root, {
        method: 'GET',
        url: `/api/v1/users?limit=1&cursor=${body.nextCursor}`,
      });
      expect(next.json().items[0].email > body.items[0].email).toBe(true);
    });

    it('reactivates a deactivated user', async () => {
      const user = await t.createUser();
      for (const active of [false, true]) {
        const response = await t.request(root, {
          method: 'PATCH',
          url: `/api/v1/users/${user.id}`,
          payload: { active },
        });
        expect(response.json().active).toBe(active);
      }
      await expect(t.signIn(user.email)).resolves.toBeDefined();
    });

    it('makes a user an instance admin and takes the role back, effective at once', async () => {
      const user = await t.newSession();
      const patch = (payload: Record<string, unknown>) =>
        t.request(root, { method: 'PATCH', url: `/api/v1/users/${user.user.id}`, payload });
      const listUsers = () => t.request(user, { method: 'GET', url: '/api/v1/users' });
      expect((await listUsers()).statusCode).toBe(403);

      const granted = await patch({ instanceAdmin: true });
      expect(granted.statusCode).toBe(200);
      expect(granted.json()).toMatchObject({ instanceAdmin: true, active: true });
      expect((await listUsers()).statusCode).toBe(200);

      const revoked = await patch({ instanceAdmin: false });
      expect(revoked.json()).toMatchObject({ instanceAdmin: false, active: true });
      expect((await listUsers()).statusCode).toBe(403);
    });
  });

  describe('errors', () => {
    it('refuses a duplicate email, whatever its case', async () => {
      const user = await t.createUser();
      const response = await post(root, {
        email: user.email.toUpperCase(),
        name: 'Twin',
        password,
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('CONFLICT');
    });

    it.each([
      [{ email: 'not-an-email', name: 'X', password }, '/body/email'],
      [{ email: 'a@example.test', name: 'X', password: 'short' }, '/body/password'],
      [{ email: 'a@example.test', name: '', password }, '/body/name'],
      [{ email: 'a@example.test', password }, '/body/name'],
      [
        { email: 'a@example.test', name: 'X', password, instanceAdmin: 'yes' },
        '/body/instanceAdmin',
      ],
    ])('refuses %j at %s', async (payload, field) => {
      const response = await post(root, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    });

    it('answers 404 for an unknown user id and 400 for a malformed one', async () => {
      const missing = await t.request(root, {
        method: 'PATCH',
        url: '/api/v1/users/00000000-0000-4000-8000-000000000000',
        payload: { active: false },
      });
      expect(missing.statusCode).toBe(404);
      const malformed = await t.request(root, {
        method: 'PATCH',
        url: '/api/v1/users/42',
        payload: { active: false },
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.field).toBe('/params/userId');
    });

    it('refuses a PATCH that changes nothing, or an unknown field', async () => {
      const user = await t.createUser();
      for (const payload of [{}, { name: 'Renamed' }, { instanceAdmin: 'yes' }]) {
        const response = await t.request(root, {
          method: 'PATCH',
          url: `/api/v1/users/${user.id}`,
          payload,
        });
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
        expect(response.json().error.code).toBe('VALIDATION_FAILED');
      }
    });

    it('refuses to take the role from the last active instance admin', async () => {
      const alone = await createTestApp(engine);
      try {
        const only = await alone.newSession({ instanceAdmin: true });
        const response = await alone.request(only, {
          method: 'PATCH',
          url: `/api/v1/users/${only.user.id}`,
          payload: { instanceAdmin: false },
        });
        expect(response.statusCode).toBe(409);
        expect(response.json().error.code).toBe('CONFLICT');
        const me = await alone.request(only, { method: 'GET', url: '/api/v1/users' });
        expect(me.statusCode).toBe(200);
        // A second admin makes the demotion possible.
        const other = await alone.createUser({ instanceAdmin: true });
        const demoted = await alone.request(only, {
          method: 'PATCH',
          url: `/api/v1/users/${other.id}`,
          payload: { instanceAdmin: false },
        });
        expect(demoted.json().instanceAdmin).toBe(false);
      } finally {
        await alone.close();
      }
    });

    it('refuses to deactivate the last active instance admin', async () => {
      const alone = await createTestApp(engine);
      try {
        const only = await alone.newSession({ instanceAdmin: true });
        const response = await alone.request(only, {
          method: 'PATCH',
          url: `/api/v1/users/${only.user.id}`,
          payload: { active: false },
        });
        expect(response.statusCode).toBe(409);
        const me = await alone.request(only, { method: 'GET', url: '/api/v1/me' });
        expect(me.statusCode).toBe(200);
      } finally {
        await alone.close();
      }
    });
  });

  describe('security', () => {
    it('refuses every user route to anyone but an instance admin', async () => {
      const user = await t.newSession();
      const attempts = [
        {
          method: 'POST',
          url: '/api/v1/users',
          payload: { email: 'x@example.test', name: 'X', password },
        },
        { method: 'GET', url: '/api/v1/users' },
        { method: 'PATCH', url: `/api/v1/users/${root.user.id}`, payload: { active: false } },
      ] as const;
      for (const attempt of attempts) {
        const response = await t.request(user, attempt);
        expect(response.statusCode, attempt.method).toBe(403);
        const anonymous = await t.request(null, attempt);
        expect(anonymous.statusCode, attempt.method).toBe(401);
      }
      const rootRow = await t.store.db
        .selectFrom('users')
        .select('active')
        .where('id', '=', root.user.id)
        .executeTakeFirstOrThrow();
      expect(rootRow.active).toBe(1);
    });

    it('refuses a non-admin who tries to make itself an instance admin', async () => {
      const user = await t.newSession();
      const response = await post(user, {
        email: `${unique('sneaky')}@example.test`,
        name: 'Sneaky',
        password,
        instanceAdmin: true,
      });
      expect(response.statusCode).toBe(403);
    });
  });
});

// Two instance admins demoting each other at the same moment must not leave the instance
// with none (src/services/users.ts, changeUser). On PostgreSQL each check counts the active
// instance admins in a transaction of its own; without the row locks both would count two and
// both pass. A third transaction holds both rows until both requests wait on it, so the two
// checks are sure to overlap. (SQLite runs one write transaction at a time.)
describe.skipIf(!testDatabaseUrl)(
  'the last instance admin under concurrent changes [postgres]',
  () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp('postgres');
    }, 60_000);
    afterAll(() => t.close());

    /** Backends of this database waiting, directly or behind another waiter, on `holder`. */
    async function waitingOn(holder: number): Promise<number> {
      const { rows } = await sql<{ pid: number; blockers: number[] }>`
      select pid, pg_blocking_pids(pid) as blockers from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(t.store.db);
      const chain = new Set([holder]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const { pid, blockers } of rows) {
          if (!chain.has(pid) && blockers.some((blocker) => chain.has(blocker))) {
            chain.add(pid);
            grew = true;
          }
        }
      }
      return chain.size - 1;
    }

    it('lets one of two admins demoting each other through, and refuses the other CONFLICT', async () => {
      const first = await t.newSession({ instanceAdmin: true });
      const second = await t.newSession({ instanceAdmin: true });
      const admins = () =>
        t.store.db
          .selectFrom('users')
          .select('id')
          .where('instance_admin', '=', 1)
          .where('active', '=', 1)
          .execute();
      expect((await admins()).map(({ id }) => id).sort()).toEqual(
        [first.user.id, second.user.id].sort(),
      );
      const demote = (by: TestSession, whom: TestSession) =>
        t.request(by, {
          method: 'PATCH',
          url: `/api/v1/users/${whom.user.id}`,
          payload: { instanceAdmin: false },
        });
      let both: Promise<Awaited<ReturnType<typeof demote>>[]> | undefined;
      await t.store.db.transaction().execute(async (trx) => {
        await sql`select id from users where id in (${first.user.id}, ${second.user.id}) for update`.execute(
          trx,
        );
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        const holder = rows[0]?.pid ?? 0;
        both = Promise.all([demote(first, second), demote(second, first)]);
        await expect.poll(() => waitingOn(holder), { timeout: 20_000 }).toBe(2);
        // Committing lets both go on.
      });
      const answers = (await both) ?? [];
      expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 409]);
      const refused = answers.find((answer) => answer.statusCode === 409);
      expect(refused?.json()).toMatchObject({
        error: {
          code: 'CONFLICT',
          message: 'The last active instance admin cannot lose the instance admin role.',
        },
      });
      expect(await admins()).toHaveLength(1);
    });
  },
);
