import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

/**
 * The admin web console (issue 10), served by Tongmen at /console from `console/dist` (built by the
 * root `prepare` script and, when missing, by `npm start`). Everything is bundled: no CDN at run time,
 * no inline script (the page's policy is `script-src 'self'`).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Element Plus is one big chunk by design (the whole component set); it is cached immutably.
    chunkSizeWarningLimit: 2000,
    // No inline <script> for the module-preload polyfill: the CSP allows only our own files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: { fs: { allow: ['..'] } },
});
