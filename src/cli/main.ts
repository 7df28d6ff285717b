import { registerServerCommands } from './commands/server.js';
import { createProgram, registerClientCommands, runProgram } from './program.js';

const program = createProgram();
registerServerCommands(program);
registerClientCommands(program);
await runProgram(program);
