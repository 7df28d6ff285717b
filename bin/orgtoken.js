#!/usr/bin/env node
// The package's command: runs the compiled CLI (`npm run build` writes dist/).
await import('../dist/cli/main.js');
