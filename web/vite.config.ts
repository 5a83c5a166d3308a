import { defineConfig } from 'vite';

export default defineConfig({
  build: { target: 'es2022', sourcemap: true },
  server: { proxy: { '/socket.io': { target: 'http://127.0.0.1:8080', ws: true } } },
});
