import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { VitePWA } from 'vite-plugin-pwa';
import { build, defineConfig, type Plugin } from 'vite';

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

/** What is worth compressing: text. Images are compressed already; source maps are not fetched by pages. */
const COMPRESSIBLE = /\.(?:js|css|html|svg|webmanifest|json)$/;

/**
 * Writes a Brotli (`.br`) and a gzip (`.gz`) copy next to every text file of the build, which the
 * server sends as they are (sirv's `brotli` / `gzip` options pick `<file>.br` / `<file>.gz` by the
 * request's Accept-Encoding and set Content-Encoding and `Vary: Accept-Encoding`: sirv 3.0.2
 * build.mjs:128-129,172-174,190-191). Compressing once at build time, at the highest levels, costs
 * nothing per request. It runs last (`order: 'post'`, sequential), after vite-plugin-pwa has written
 * the service worker in its own closeBundle, so the worker is compressed too. A copy that is not
 * smaller is not written.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      handler() {
        for (const name of fs.readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
          if (!COMPRESSIBLE.test(name)) continue;
          const file = join(outDir, name);
          const raw = fs.readFileSync(file);
          const br = brotliCompressSync(raw, {
            params: {
              [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
              [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length,
            },
          });
          const gz = gzipSync(raw, { level: zlib.Z_BEST_COMPRESSION });
          if (br.length < raw.length) fs.writeFileSync(`${file}.br`, br);
          if (gz.length < raw.length) fs.writeFileSync(`${file}.gz`, gz);
        }
      },
    },
  };
}

/**
 * The operator page (`/quality`) built on its own into the same folder, after the phone's build: as a
 * second entry of one build, the modules both use (Lit, the protocol) became a chunk shared by the two
 * pages, and the phone page's download grew by that split (54.5 kB Brotli against the 45 kB budget of
 * `npm run bench:bundle`). Built apart, the phone page is what it was and the operator page carries
 * its own copy of Lit. It runs before precompress (`order: 'post'`), which compresses it too.
 */
function qualityPage(): Plugin {
  let outDir = '';
  return {
    name: 'quality-page',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle: {
      sequential: true,
      async handler() {
        await build({
          configFile: false,
          root: import.meta.dirname,
          logLevel: 'warn',
          build: {
            target: 'es2022',
            sourcemap: true,
            outDir,
            emptyOutDir: false,
            rollupOptions: { input: { quality: resolve(import.meta.dirname, 'quality.html') } },
          },
        });
      },
    },
  };
}

/**
 * The page's build version, as calls' device reports name it (issue 21): `APP_BUILD` when the
 * release sets one, else the commit it was built from, else `dev` (a build outside a checkout).
 */
function appBuild(): string {
  if (process.env['APP_BUILD']) return process.env['APP_BUILD'];
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return `web ${commit}`;
  } catch {
    return 'web dev';
  }
}

/**
 * `vite build` is the product (`dist/`, what `npm start` serves). `vite build --mode qa` adds the
 * QA pages into `dist-qa/`, which the e2e suite and the rig serve: the shell simulator plays an
 * iPhone there, and has no place in what users download.
 */
export default defineConfig(({ mode }) => {
  const qa = mode === 'qa';
  return {
    define: { __APP_BUILD__: JSON.stringify(appBuild()) },
    build: {
      target: 'es2022',
      sourcemap: true,
      outDir: qa ? 'dist-qa' : 'dist',
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
        injectManifest: {
          globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
          // The operator page and its charts are no part of the phone: its worker doesn't precache them.
          globIgnores: ['quality.html', 'assets/quality*'],
        },
      }),
      qualityPage(),
      precompress(),
    ],
  };
});
