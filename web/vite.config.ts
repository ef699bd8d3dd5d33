// Builds the browser app into dist/web, which the server serves at `/` under a strict CSP.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The preload polyfill is an inline script, which `script-src 'self'` refuses.
    modulePreload: { polyfill: false },
  },
});
