import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Telemetry } from '../services/context.js';

/**
 * `make(...labels)` once per set of label values, then the same value: prom-client hashes
 * the label values on every `inc({...})`, and these run on every request; a bound child
 * (`labels(...)`) does not. The values are bounded: result codes, and route patterns with
 * method and status.
 */
function memo<T>(make: (...labels: string[]) => T): (...labels: string[]) => T {
  const made = new Map<string, T>();
  return (...labels) => {
    const key = labels.join('\u0000');
    let value = made.get(key);
    if (value === undefined) {
      value = make(...labels);
      made.set(key, value);
    }
    return value;
  };
}

/** Prometheus metrics of one app: its own registry, so tests can build many apps. */
export function createMetrics(): { registry: Registry; telemetry: Telemetry } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const authentications = new Counter({
    name: 'orgtoken_token_authentications_total',
    help: 'Token authentications by result: ok or the error code',
    labelNames: ['result'],
    registers: [registry],
  });
  const lookups = new Counter({
    name: 'orgtoken_token_cache_lookups_total',
    help: 'Verification cache look-ups by result: hit or miss',
    labelNames: ['result'],
    registers: [registry],
  });
  let hits = 0;
  let total = 0;
  new Gauge({
    name: 'orgtoken_token_cache_hit_ratio',
    help: 'Share of verification cache look-ups that were hits, since start',
    registers: [registry],
    collect() {
      this.set(total === 0 ? 0 : hits / total);
    },
  });
  const flushes = new Counter({
    name: 'orgtoken_usage_flushes_total',
    help: 'Usage flush batches written',
    registers: [registry],
  });
  const flushedTokens = new Counter({
    name: 'orgtoken_usage_flushed_tokens_total',
    help: 'Token usage rows written by flushes',
    registers: [registry],
  });

  const byResult = memo((result) => authentications.labels(result));
  const hitLookups = lookups.labels('hit');
  const missLookups = lookups.labels('miss');
  return {
    registry,
    telemetry: {
      authentication: (result) => byResult(result).inc(),
      cacheLookup: (hit) => {
        total += 1;
        if (hit) hits += 1;
        (hit ? hitLookups : missLookups).inc();
      },
      usageFlush: (tokens) => {
        flushes.inc();
        flushedTokens.inc(tokens);
      },
    },
  };
}

/** Request counts and latencies by route and status, and GET /metrics. */
export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'orgtoken_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'orgtoken_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const series = memo((method, route, status) => ({
    count: requests.labels(method, route, status),
    time: latency.labels(method, route, status),
  }));
  // A callback hook, not an async one: it runs after every answer.
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: label values stay bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    const one = series(request.method, route, String(reply.statusCode));
    one.count.inc();
    one.time.observe(reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { config: { auth: 'none' }, schema: { hide: true } }, async (_, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
