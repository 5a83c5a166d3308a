import { resolve } from 'node:path';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      // The shell simulator is a QA page: the e2e rig opens it to play an iPhone.
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        shellSimulator: resolve(import.meta.dirname, 'shell-simulator.html'),
      },
    },
  },
  server: { proxy: { '/socket.io': { target: 'http://127.0.0.1:8080', ws: true } } },
  plugins: [
    VitePWA({
      // Our own worker: it handles incoming-call pushes, which a generated one can't.
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'service-worker.ts',
      // The page asks the user before a new version takes over (never in the middle of a call).
      registerType: 'prompt',
      injectRegister: false,
      manifest: false,
      injectManifest: { globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'] },
    }),
  ],
});
