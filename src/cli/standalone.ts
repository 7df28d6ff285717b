import { createProgram, registerClientCommands, runProgram } from './program.js';

// The entry of the CLI a server serves at /cli/orgtoken.mjs (docs/ci.md), bundled with
// commander into one file: the client commands only. `serve` and `migrate` need the whole
// package, and leaving them out keeps Fastify, Kysely and the drivers out of the bundle.
const program = createProgram();
registerClientCommands(program);
await runProgram(program);
