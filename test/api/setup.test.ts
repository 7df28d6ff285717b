import { afterEach, beforeEach, expect, it } from 'vitest';
import { countUsers } from '../../src/store/users.js';
import { createTestApp, password, type TestApp } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';

describeEachEngine('first-run setup', (engine) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(engine);
  });
  afterEach(() => t.close());

  const complete = (code: string, email = 'first@example.test') =>
    t.request(null, {
      method: 'POST',
      url: '/api/v1/setup',
      payload: { code, email, name: 'First Admin', password },
    });

  async function startSetup(): Promise<string> {
    const code = await t.setup.start(null);
    if (!code) throw new Error('expected a setup code for an empty store');
    return code;
  }

  it('prints a code for an empty store; the code creates the first instance admin once', async () => {
    const code = await startSetup();
    expect((await t.request(null, { method: 'GET', url: '/api/v1/setup' })).json()).toEqual({
      required: true,
    });
    const wrong = await complete(`${code}x`);
    expect(wrong.statusCode).toBe(403);
    expect(await countUsers(t.store.db)).toBe(0);

    const response = await complete(code);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ email: 'first@example.test', instanceAdmin: true });
    await expect(t.signIn('first@example.test')).resolves.toBeDefined();

    const again = await complete(code, 'second@example.test');
    expect(again.statusCode).toBe(403);
    expect(await countUsers(t.store.db)).toBe(1);
    expect((await t.request(null, { method: 'GET', url: '/api/v1/setup' })).json()).toEqual({
      required: false,
    });
  });

  it('gives no code when the store already has users', async () => {
    await t.createUser();
    await expect(t.setup.start(null)).resolves.toBeNull();
    const response = await complete('anything');
    expect(response.statusCode).toBe(403);
  });

  it('creates the configured admin at start instead of printing a code', async () => {
    const setup = t.setup;
    await expect(setup.start({ email: 'Boot@Example.test', password })).resolves.toBeNull();
    const session = await t.signIn('boot@example.test');
    expect(session.user.instanceAdmin).toBe(true);
    // A second start finds a user and creates nobody.
    await expect(setup.start({ email: 'other@example.test', password })).resolves.toBeNull();
    expect(await countUsers(t.store.db)).toBe(1);
  });
});
