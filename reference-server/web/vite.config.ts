/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { precache } from './tools/precache.mjs';

// `npm run dev` proxies the API to a running `fotobase serve` (FOTOBASE_DEV_API).
const api = process.env.FOTOBASE_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  // precache: dist/sw.js gets the list of this build's files (public/sw.js, tools/precache.mjs).
  plugins: [react(), precache()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    // The server's CSP forbids inline scripts: keep every asset a file.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      // Libraries in their own long-cached files, apart from the app's code.
      output: { manualChunks: { react: ['react', 'react-dom', 'react-router-dom'], charts: ['chart.js'] } },
    },
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/t': { target: api },
      '/.well-known': { target: api },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['tests/setup.ts'],
    include: ['tests/**/*.test.{ts,tsx}'],
    reporters: ['default', './tests/count-reporter.ts'],
    css: false,
    testTimeout: 20000,
  },
});
