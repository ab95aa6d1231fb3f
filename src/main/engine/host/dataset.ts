// Host domain "datasets": folders of photos in the open project, their indexing as a job (kind
// 'datasetIndex', through the one job runtime), and reading indexes back (src/main/engine/dataset/queries).
// Each request opens the project file's dataset tables for its own duration (store/dataset.ts says why).
import type { Channel } from '../../../shared/contract';
import { DatasetStore } from '../../store/dataset';
import { checkScan, scanFolder } from '../dataset/scan';
import { embedding, examples, histogram, neighbours, photoPatch, photoThumbnail } from '../dataset/queries';
import { remember, type HostContext, type Handlers } from './context';
import * as path from 'node:path';

type DatasetChannels = Extract<Channel, `dataset:${string}`>;

export function datasetHandlers(ctx: HostContext): Handlers<DatasetChannels> {
  const file = () => ctx.project().path;
  const ds = <T>(fn: (s: DatasetStore) => T): T => DatasetStore.with(file(), fn);
  const maps = new Map<string, { layer: string; method: 'umap'; points: Awaited<ReturnType<typeof embedding>> }>();
  return {
    'dataset:add': async ({ path: folder }) => {
      const scan = await scanFolder(folder);
      checkScan(scan);
      const info = ds((s) => s.info(s.syncScan(scan.folder, path.basename(scan.folder), scan.files, scan.skipped)));
      ctx.changed();
      return info;
    },
    'dataset:list': () => ds((s) => s.datasets()),
    'dataset:remove': ({ datasetId }) => {
      ds((s) => s.removeDataset(datasetId));
      ctx.changed();
      return null;
    },
    'dataset:photos': ({ datasetId, offset, limit, unreadable }) => ds((s) => s.photos(datasetId, offset, limit, unreadable)),
    'dataset:index': ({ datasetId, modelId, settings }) => ctx.jobs.start({ kind: 'datasetIndex', datasetId, modelId, settings }),
    'dataset:examples': (q) => ds((s) => examples(s, q)),
    'dataset:histogram': (q) => ds((s) => histogram(s, q)),
    'dataset:neighbours': (q) => ds((s) => neighbours(s, q)),
    'dataset:embedding': async (q) => {
      // the map of an index only changes when photos are added to it: cached by what it was computed from
      const s = DatasetStore.open(file());
      try {
        const key = JSON.stringify([file(), q, s.indexesOf(q.datasetId, q.modelId).map((x) => [x.id, x.indexed])]);
        const hit = maps.get(key);
        if (hit) return hit;
        const out = { layer: q.layer, method: q.method, points: await embedding(s, q) };
        remember(maps, key, out, 8);
        return out;
      } finally {
        s.close();
      }
    },
    'dataset:thumbnail': async ({ datasetId, photoId, maxSize }) => photoThumbnail(ds((s) => s.photo(datasetId, photoId).file), maxSize),
    'dataset:patch': async ({ datasetId, photoId, rect, maxSize }) => {
      const p = await photoPatch(ds((s) => s.photo(datasetId, photoId).file), rect, maxSize);
      return { mime: p.mime, base64: Buffer.from(p.bytes).toString('base64'), width: p.width, height: p.height };
    },
  };
}
