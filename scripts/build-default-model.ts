// Builds the default InceptionV3 (to mixed5) ONNX model from the nsfwjs package into the data folder
// (FEATURESCOPE_DATA_DIR or the OS application-data folder) and prints where it is. The app builds it
// on first use anyway; this is for building ahead (install, packaging) and for checking it works.
//   npx tsx scripts/build-default-model.ts [--data-dir DIR]
import * as fs from 'node:fs';
import { ensureDefaultModel } from '../src/main/engine/importers/default-model';

async function run(): Promise<number> {
  const i = process.argv.indexOf('--data-dir');
  const dir = i > 0 ? process.argv[i + 1] : undefined;
  const t0 = performance.now();
  try {
    const info = await ensureDefaultModel(dir ? { dataDir: dir } : {});
    const mb = (fs.statSync(info.path).size / 1e6).toFixed(1);
    console.log(`${info.name}\n  ${info.path} (${mb} MB, ${(performance.now() - t0).toFixed(0)} ms)\n  dream layers: ${info.dreamLayers.join(', ')}; preprocess: ${info.preprocess.preset} (RGB, −1..1)`);
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

run().then((c) => { process.exitCode = c; });
