import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web UI (docs/web-ui.md). Built into web/dist, which the server serves at /; in
// development `npx vite web` proxies the API to a server on :9000.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One module-preload polyfill would be an inline script; the CSP allows none.
    modulePreload: { polyfill: false },
    sourcemap: true,
    // One bundle of about 530 kB (react-aria is most of it), cached for a year by its hash.
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:9000' } },
});
