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
    rolldownOptions: {
      output: {
        // The sign-in page loads none of these (main.tsx). React and the router change less
        // often than the app, so their chunk stays cached across releases; react-aria is left
        // to the automatic split, so that each page fetches only the controls it uses.
        codeSplitting: {
          groups: [
            {
              name: 'react',
              test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/,
            },
          ],
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:9000' } },
});
