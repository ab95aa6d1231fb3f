// `featurescope neighbours <photo> --dataset <folder> --model m --layer L`: the photos of an indexed dataset
// nearest to one of its photos in a layer's feature space (cosine similarity of pooled features).
import * as path from 'node:path';
import { neighbours } from '../../main/engine/dataset/queries';
import { DatasetStore } from '../../main/store/dataset';
import { openCommandLine } from '../common';
import { expandShortK, indexedDataset, modelFlag } from './dataset-flags';
import { intFlag, stringFlag, UsageError, type Command } from './types';

const usage = `usage: featurescope neighbours <photo> --dataset <folder> --model <model.onnx> --layer L [options]

  <photo>                a photo of the dataset (its path)
  --dataset DIR          the folder indexed with featurescope index
  --model FILE           the model it was indexed for
  --layer L              an indexed layer
  -k N                   how many neighbours, the photo itself first (8)
  --project FILE         the project file given to featurescope index --project
  --json                 print them as JSON`;

export const neighboursCommand: Command = {
  name: 'neighbours',
  summary: "a dataset photo's nearest neighbours in a layer's feature space (cosine on pooled features)",
  usage,
  async run(argv) {
    const { flags: f, args, json } = openCommandLine(expandShortK(argv), { positional: ['photo'], missing: 'name the photo whose neighbours to list' });
    const lm = modelFlag(f);
    const layer = stringFlag(f, 'layer');
    if (!layer) throw new UsageError('--layer is required');
    const k = intFlag(f, 'k', 8, 1, 200);
    const d = await indexedDataset(f, lm);
    try {
      const rel = path.relative(d.folder, path.resolve(args[0]!));
      if (rel.startsWith('..') || path.isAbsolute(rel)) throw new UsageError(`${args[0]} is not inside the dataset folder ${d.folder}`);
      const list = DatasetStore.with(d.store.path, (ds) => {
        const photo = ds.photoByPath(d.datasetId, rel.split(path.sep).join('/'));
        if (!photo) throw new Error(`${args[0]} is not a photo of the dataset ${d.folder} (run featurescope index again to add new files)`);
        if (photo.unreadable) throw new Error(`${args[0]} is unreadable: ${photo.unreadable}`);
        return neighbours(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer, photoId: photo.id, k });
      });
      if (json) console.log(JSON.stringify({ ok: true, photo: args[0], layer, neighbours: list }, null, 2));
      else for (const n of list) console.log(`${n.similarity.toFixed(4)}  ${n.path}`);
      return 0;
    } finally {
      d.close();
    }
  },
};
