// Where a TF.js model.json's weight shards are. From a path (Electron, CLI) they sit beside it, as
// tensorflowjs_converter writes them. From uploads each file has a random name in the upload folder,
// so the page sends the shards with the model.json and they are matched by the name the person knows.
import * as path from 'node:path';
import { TfjsImportError } from '../importers/index';
import { shardBeside } from '../importers/tfjs/artifacts';
import type { ResolvedSource } from './sources';

/**
 * A resolveShard for importTfjsModel, or undefined to look beside model.json. A shard named in the
 * manifest that is not among the given files fails with the names that were given.
 */
export function shardResolver(modelJson: ResolvedSource, shards: ResolvedSource[]): ((manifestPath: string) => string) | undefined {
  if (shards.length === 0 && !modelJson.temporary) return undefined;
  const byName = new Map(shards.map((s) => [s.name, s.path]));
  return (manifestPath) => {
    const name = path.basename(decodeURIComponent(manifestPath));
    const hit = byName.get(name);
    if (hit) return hit;
    // a path-based model.json may still have some shards beside it
    if (!modelJson.temporary) return shardBeside(modelJson.path, manifestPath);
    const given = shards.length ? `only ${shards.map((s) => s.name).join(', ')} came with it` : 'no weight files came with it';
    throw new TfjsImportError(
      `${modelJson.name}: weight shard "${name}" is missing (${given}). Choose model.json together with every .bin file saved beside it (or drop them all at once).`,
    );
  };
}
