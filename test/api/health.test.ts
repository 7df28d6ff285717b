import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';

describeEachEngine('health and readiness', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t.close());

  it('/healthz and /readyz answer without authentication', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('/readyz answers 503 STORE_UNAVAILABLE once the store is gone, while /healthz stays up', async () => {
    const other = await createTestApp(engine);
    await other.store.close();
    try {
      const ready = await other.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().error.code).toBe('STORE_UNAVAILABLE');
      expect((await other.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      // A request that needs the store fails closed with 503, never 500 and never a success.
      const signIn = await other.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: 'a@example.test', password: 'whatever-password' },
      });
      expect(signIn.statusCode).toBe(503);
    } finally {
      await other.close();
    }
  });
});
