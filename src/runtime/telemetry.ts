/** Counters the token machinery reports to; /metrics exposes them (http/metrics.ts). */
export interface Telemetry {
  authentication(result: string): void;
  cacheLookup(hit: boolean): void;
  usageFlush(tokens: number): void;
}
