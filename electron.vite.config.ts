// Build layout (electron-vite): three bundles.
//   out/main/     index.js (Electron main), host.js (the engine process, forked by both shells),
//                 *-worker.js (the engine's worker threads), bridge.js (browser mode: Node HTTP + WebSocket)
//   out/preload/  index.js (sandboxed preload: CommonJS, no node_modules)
//   out/renderer/ the React UI, served by Electron (file://) or by the bridge (http://127.0.0.1)
// Native and heavy packages stay external (resolved from node_modules at run time): electron-vite
// externalizes every `dependencies` entry by default; we list the native ones explicitly so a
// future change to that default cannot bundle a .node addon.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
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

// Worker threads the engine starts (`new Worker(join(__dirname, '<name>.js'))` from a bundle): every
// `src/main/engine/**/<name>-worker.ts` becomes `out/main/<name>-worker.js`, next to host.js.
function findWorkers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? findWorkers(join(dir, e.name)) : /-worker\.ts$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}
for (const file of findWorkers(resolve(root, 'src/main/engine'))) {
  const name = basename(file, '.ts');
  if (mainInputs[name]) throw new Error(`two engine workers are both named ${name}.ts; worker file names must be unique`);
  mainInputs[name] = file;
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: { include: native },
      rollupOptions: {
        input: mainInputs,
        external: native,
        // Shared chunks sit next to the entries (not in chunks/): engine code finds its workers with
        // join(__dirname, '<name>-worker.js'), and __dirname is the folder of whichever file the code landed in.
        output: { chunkFileNames: 'shared-[name]-[hash].js' },
      },
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
      // electron-vite leaves bundles unminified; the renderer is also served over HTTP in browser mode
      minify: true,
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
});
