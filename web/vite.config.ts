import { dirname, resolve } from 'node:path';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig, type Plugin } from 'vite';

/**
 * engine.io-client's list of transports, WebSocket only in the page's build: the page's signalling
 * asks for `transports: ['websocket']` (src/signalling/signalling-client.ts), so long-polling and
 * WebTransport stay out of the bundle. The list is made to import the WebSocket transport file
 * itself (not the package), so it forms no import cycle with engine.io's socket.
 */
function websocketOnly(): Plugin {
  const engineSocket = /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/]socket\.js$/;
  const id = '\0engine.io-websocket-only';
  let websocketFile = '';
  return {
    name: 'engine.io-websocket-only',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source !== './transports/index.js' || !importer || !engineSocket.test(importer)) return null;
      websocketFile = resolve(dirname(importer), 'transports/websocket.js');
      return id;
    },
    load(loaded) {
      if (loaded !== id) return null;
      return `import { WS } from ${JSON.stringify(websocketFile)};\nexport const transports = { websocket: WS };\n`;
    },
  };
}

/**
 * `vite build` is the product (`dist/`, what `npm start` serves). `vite build --mode qa` adds the
 * QA pages into `dist-qa/`, which the e2e suite and the rig serve: the shell simulator plays an
 * iPhone there, and has no place in what users download.
 */
export default defineConfig(({ mode }) => {
  const qa = mode === 'qa';
  return {
    build: {
      target: 'es2022',
      sourcemap: true,
      outDir: qa ? 'dist-qa' : 'dist',
      // Read by `npm run bench:bundle`: the entry chunk and what it imports statically.
      manifest: true,
      rollupOptions: {
        input: {
          main: resolve(import.meta.dirname, 'index.html'),
          ...(qa ? { shellSimulator: resolve(import.meta.dirname, 'shell-simulator.html') } : {}),
        },
      },
    },
    server: { proxy: { '/socket.io': { target: 'http://127.0.0.1:8080', ws: true } } },
    plugins: [
      websocketOnly(),
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
  };
});
