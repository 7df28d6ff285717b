import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';
import type { RateLimitBackend } from '../runtime/rate-limits.js';
import type { Telemetry } from '../runtime/telemetry.js';

/*
 * Counting happens on every request, so it is plain arithmetic on numbers this module owns;
 * prom-client reads them only when /metrics is scraped. (prom-client's own `inc()` and
 * `observe()` hash their label values on every call, bound children included: the HTTP
 * benchmark showed them as the largest cost orgtoken adds to a request.)
 */

/** Counts by a bounded set of keys (result codes), read by a Counter at scrape time. */
class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** A counter labelled `label` that shows these counts when scraped. */
  counter(registry: Registry, name: string, help: string, label: string): void {
    const counts = this.counts;
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, count] of counts) this.inc({ [label]: key }, count);
      },
    });
  }
}

/** What /metrics reads from the app's machinery when scraped. */
export interface MetricSources {
  /** Where the rate limits are counted right now. */
  rateLimitBackend: () => RateLimitBackend;
}

const rateLimitBackends: readonly RateLimitBackend[] = ['redis', 'local'];

/** Prometheus metrics of one app: its own registry, so tests can build many apps. */
export function createMetrics(sources: MetricSources): {
  registry: Registry;
  telemetry: Telemetry;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Both series always: an alert on local = 1 needs the series to exist before it fires.
  new Gauge({
    name: 'orgtoken_rate_limit_backend',
    help: 'Where the rate limits are counted: 1 for the backend in use (redis: shared by every instance; local: in this instance), 0 for the other',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      const inUse = sources.rateLimitBackend();
      for (const backend of rateLimitBackends) this.set({ backend }, backend === inUse ? 1 : 0);
    },
  });

  const authentications = new Tally();
  authentications.counter(
    registry,
    'orgtoken_token_authentications_total',
    'Token authentications by result: ok or the error code',
    'result',
  );
  const lookups = new Tally();
  lookups.counter(
    registry,
    'orgtoken_token_cache_lookups_total',
    'Verification cache look-ups by result: hit or miss',
    'result',
  );
  new Gauge({
    name: 'orgtoken_token_cache_hit_ratio',
    help: 'Share of verification cache look-ups that were hits, since start',
    registers: [registry],
    collect() {
      const hits = lookups.get('hit');
      const total = hits + lookups.get('miss');
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

  return {
    registry,
    telemetry: {
      authentication: (result) => authentications.add(result),
      cacheLookup: (hit) => lookups.add(hit ? 'hit' : 'miss'),
      usageFlush: (tokens) => {
        flushes.inc();
        flushedTokens.inc(tokens);
      },
    },
  };
}

// Upper bounds of the latency histogram, in seconds.
const latencyBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Series {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last is above every bound. */
  buckets: Float64Array;
}

/**
 * Request counts and latencies by method, route pattern and status. Series are found
 * through maps keyed by values that are the same string or number on every request (the
 * route pattern, the parsed method, the status), so a request allocates nothing here.
 */
class RequestSeries {
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();

  observe(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.byRoute.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (!series) {
      series = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(latencyBounds.length + 1),
      };
      byStatus.set(status, series);
    }
    series.count += 1;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < latencyBounds.length && seconds > (latencyBounds[bucket] as number)) {
      bucket += 1;
    }
    series.buckets[bucket] = (series.buckets[bucket] ?? 0) + 1;
  }

  *all(): Iterable<Series> {
    for (const byMethod of this.byRoute.values()) {
      for (const byStatus of byMethod.values()) yield* byStatus.values();
    }
  }
}

/**
 * A metric of `series` for prom-client's registry, which reads a metric through `name`,
 * `type` and `get()` only. `values` lists what to show, in Prometheus's text format order.
 */
function seriesMetric(
  name: string,
  help: string,
  // What the registry prints after # TYPE (prom-client's typings declare a numeric enum).
  type: 'counter' | 'histogram',
  values: () => { labels: Record<string, string | number>; value: number; metricName?: string }[],
): Metric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    get: async () => ({ name, help, type, aggregator: 'sum' as const, values: values() }),
    reset: () => {},
  };
  // Not one of prom-client's classes, but the registry needs nothing else of one.
  return metric as unknown as Metric;
}

/** Request counts and latencies by route and status, and GET /metrics. */
export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new RequestSeries();
  registry.registerMetric(
    seriesMetric(
      'orgtoken_http_requests_total',
      'HTTP requests by method, route pattern and status',
      'counter',
      () => [...requests.all()].map(({ labels, count }) => ({ labels, value: count })),
    ),
  );
  const latency = 'orgtoken_http_request_duration_seconds';
  registry.registerMetric(
    seriesMetric(
      latency,
      'HTTP request latency by method, route pattern and status',
      'histogram',
      () =>
        [...requests.all()].flatMap(({ labels, count, sum, buckets }) => {
          let cumulative = 0;
          return [
            ...latencyBounds.map((le, index) => {
              cumulative += buckets[index] ?? 0;
              return {
                labels: { le, ...labels },
                value: cumulative,
                metricName: `${latency}_bucket`,
              };
            }),
            { labels: { le: '+Inf', ...labels }, value: count, metricName: `${latency}_bucket` },
            { labels, value: sum, metricName: `${latency}_sum` },
            { labels, value: count, metricName: `${latency}_count` },
          ];
        }),
    ),
  );
  // A callback hook, not an async one: it runs after every answer.
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: label values stay bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { config: { auth: 'none' }, schema: { hide: true } }, async (_, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
