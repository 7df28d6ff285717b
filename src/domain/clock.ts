/** The source of the current time; tests inject a controllable one. */
export interface Clock {
  now(): Date;
  /** The same instant as epoch milliseconds, without a Date: verification reads it per request. */
  nowMs(): number;
}

export const systemClock: Clock = { now: () => new Date(), nowMs: () => Date.now() };
