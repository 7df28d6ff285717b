import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// The CLI the server serves at /cli/orgtoken.mjs (docs/ci.md): src/cli/standalone.ts and
// everything it imports, commander included, in one ES module for Node.js 20 that needs no
// node_modules. Vite is already the project's bundler (the web UI); a server build
// (`build.ssr`) with `noExternal: true` bundles dependencies instead of importing them.

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
const versionModule = fileURLToPath(new URL('../src/version.ts', import.meta.url));

/**
 * src/version.ts reads package.json beside the package at run time; the bundle travels alone,
 * so the version it was built at is written into it instead.
 */
function builtVersion(): Plugin {
  return {
    name: 'orgtoken-built-version',
    enforce: 'pre',
    load(id) {
      return id === versionModule ? `export const version = ${JSON.stringify(version)};\n` : null;
    },
  };
}

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  plugins: [builtVersion()],
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: 'src/cli/standalone.ts',
    outDir: 'dist/cli-bundle',
    emptyOutDir: true,
    target: 'node20',
    // Readable: whoever runs it in a pipeline with a token in its environment can read it.
    minify: false,
    sourcemap: false,
    rolldownOptions: {
      output: {
        entryFileNames: 'orgtoken.mjs',
        format: 'es',
        banner: `// orgtoken CLI ${version}: one file, no dependencies, for Node.js 20 or later.\n// Fetched from an orgtoken server at /cli/orgtoken.mjs; its SHA-256 is at /cli/orgtoken.mjs.sha256.`,
      },
    },
  },
});
