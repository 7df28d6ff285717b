import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { registerErrorHandling } from '../../src/http/errors.js';
import { declareImpliedStatuses, registerStatusGuard } from '../../src/http/status-guard.js';

describe('the response-status guard', () => {
  async function appWithGuard() {
    const app = Fastify();
    registerErrorHandling(app);
    app.addHook('onRoute', declareImpliedStatuses);
    registerStatusGuard(app);
    const ok = { 200: Type.Object({}) };
    app.get('/api/teapot', { schema: { response: ok } }, async (_, reply) =>
      reply.code(418 as never).send({} as never),
    );
    app.get('/api/fine', { schema: { response: ok } }, async () => ({}));
    app.get('/api/limited', { schema: { response: ok } }, async () => {
      throw new AppError('RATE_LIMITED');
    });
    app.get('/plain', async (_, reply) => reply.code(418).send('no schema, no check'));
    await app.ready();
    return app;
  }

  it('fails an answer whose status its route does not declare', async () => {
    const app = await appWithGuard();
    const teapot = await app.inject({ url: '/api/teapot' });
    expect(teapot.statusCode).toBe(500);
    expect(teapot.json().error.code).toBe('INTERNAL');
    expect((await app.inject({ url: '/api/fine' })).statusCode).toBe(200);
    await app.close();
  });

  it('declares what a route shape implies: 429 and 401 for a caller, 413 for a body', async () => {
    const app = await appWithGuard();
    // A route under /api needs a caller, so RATE_LIMITED is one of its answers.
    expect((await app.inject({ url: '/api/limited' })).statusCode).toBe(429);
    // A route that declares no answers is not checked (static files, the UI's page).
    expect((await app.inject({ url: '/plain' })).statusCode).toBe(418);
    await app.close();
  });
});
