// Build layout (electron-vite): three bundles.
//   out/main/     index.js (Electron main), host.js (the engine process, forked by both shells),
//                 bridge.js (browser mode: plain Node HTTP + WebSocket server)
//   out/preload/  index.js (sandboxed preload: CommonJS, no node_modules)
//   out/renderer/ the React UI, served by Electron (file://) or by the bridge (http://127.0.0.1)
// Native and heavy packages stay external (resolved from node_modules at run time): electron-vite
// externalizes every `dependencies` entry by default; we list the native ones explicitly so a
// future change to that default cannot bundle a .node addon.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = __dirname;
const native = ['onnxruntime-node', 'better-sqlite3', 'sharp', 'ws'];

// The engine host is written by the engine side; while it does not exist yet the shell still builds.
const hostEntry = resolve(root, 'src/main/engine/host/main.ts');
const mainInputs: Record<string, string> = {
  index: resolve(root, 'src/main/index.ts'),
  bridge: resolve(root, 'src/bridge/main.ts'),
};
if (existsSync(hostEntry)) mainInputs.host = hostEntry;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: { include: native },
      rollupOptions: { input: mainInputs, external: native },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(root, 'src/preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
});
