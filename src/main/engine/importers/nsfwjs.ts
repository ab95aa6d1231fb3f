// Reads the TF.js Layers models bundled inside the `nsfwjs` npm package. The package ships each
// model.json and weight shard as a UMD JavaScript module (the JSON object, and a base64 string per
// shard) under dist/models/<name>/.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { concatBytes, TfjsImportError, type TfjsArtifacts, type TfjsModelJson } from './tfjs/artifacts';

export type NsfwjsModelName = 'inception_v3' | 'mobilenet_v2' | 'mobilenet_v2_mid';

function localRequire(): NodeJS.Require {
  // Works under CommonJS (tsx, electron-vite main bundle) and ESM alike.
  return typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'index.js'));
}

/** The folder of the installed nsfwjs package, or an error that says how to get it. */
export function nsfwjsDir(): string {
  try {
    const pkg = localRequire().resolve('nsfwjs/package.json');
    return path.dirname(pkg);
  } catch {
    // package.json is not in its exports map on every version; fall back to the main entry.
    try {
      const main = localRequire().resolve('nsfwjs');
      let dir = path.dirname(main);
      // dist/cjs has its own small package.json; walk up to the one named nsfwjs.
      while (path.dirname(dir) !== dir) {
        const pj = path.join(dir, 'package.json');
        if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'nsfwjs') return dir;
        dir = path.dirname(dir);
      }
      throw new Error('no package.json');
    } catch {
      throw new TfjsImportError('the "nsfwjs" package is not installed, so the default InceptionV3 model cannot be built. Run `npm install`.');
    }
  }
}

export function nsfwjsModelDir(model: NsfwjsModelName): string {
  return path.join(nsfwjsDir(), 'dist', 'models', model);
}

/** Model JSON and weight bytes of one bundled nsfwjs model. */
export function readNsfwjsArtifacts(model: NsfwjsModelName): TfjsArtifacts {
  const dir = nsfwjsModelDir(model);
  const label = `nsfwjs/${model}`;
  const req = localRequire();
  const load = (file: string): unknown => {
    const p = path.join(dir, file);
    if (!fs.existsSync(p)) throw new TfjsImportError(`${label}: ${p} is missing; the installed nsfwjs package does not bundle this model.`);
    const m = req(p);
    // The shard modules are megabytes of base64; do not keep them alive in the module cache.
    delete req.cache[p];
    return m && typeof m === 'object' && 'default' in m ? (m as { default: unknown }).default : m;
  };
  const modelJson = load('model.min.js') as TfjsModelJson;
  if (!modelJson?.modelTopology || !modelJson.weightsManifest) throw new TfjsImportError(`${label}: model.min.js does not hold a TF.js model.json.`);
  const parts: Uint8Array[] = [];
  for (const g of modelJson.weightsManifest) {
    for (const p of g.paths) {
      const b64 = load(`${p}.min.js`);
      if (typeof b64 !== 'string') throw new TfjsImportError(`${label}: weight shard ${p}.min.js is not a base64 string.`);
      parts.push(new Uint8Array(Buffer.from(b64, 'base64')));
    }
  }
  return { modelJson, weightData: concatBytes(parts), label };
}
