import { readFileSync } from 'node:fs';

/**
 * The package version. A module of its own so that client commands of the CLI can read it
 * without loading the server (Fastify, the store drivers, every service).
 */
export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
