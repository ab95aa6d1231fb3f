// Reading a saved feature visualization run back: one item's PNG as stored (its settings and item in the
// text chunk), or the run's items assembled into one grid PNG whose record lists them.
import type { RunOf } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import type { ProjectStore } from '../../store/project';
import { decodePngRgb, encodeFeaturevisPng, readFeaturevisRecord } from './export';
import { tileGrid } from './render';

function featurevisRun(store: ProjectStore, runId: string): RunOf<'featurevis'> {
  const run = store.run(runId);
  if (run.kind !== 'featurevis') throw new EngineError('not-featurevis', `Run ${runId} is a ${run.kind} run, not a feature visualization.`);
  return run;
}

function itemBytes(store: ProjectStore, run: RunOf<'featurevis'>, image: string): Uint8Array {
  const a = run.artifacts.find((x) => x.name === image);
  if (!a) throw new EngineError('no-such-item', `Run ${run.id} has no stored image ${image}.`);
  return store.artifact(a.id).bytes;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'item';

export async function featurevisExport(store: ProjectStore, runId: string, item?: number): Promise<{ fileName: string; mime: string; base64: string }> {
  const run = featurevisRun(store, runId);
  const base = safe(store.model(run.modelId).name.replace(/\.[^.]+$/, ''));
  if (item !== undefined) {
    const it = run.result.items.find((x) => x.item === item);
    if (!it) throw new EngineError('no-such-item', `item ${item} was not rendered in run ${runId} (it holds ${run.result.items.length} of ${run.settings.items.length} items)`);
    const png = itemBytes(store, run, it.image);
    if (!readFeaturevisRecord(png)) throw new EngineError('no-such-item', `the stored image of item ${item} lacks its settings`);
    return { fileName: `${base}-${safe(it.label)}.png`, mime: 'image/png', base64: Buffer.from(png).toString('base64') };
  }
  if (run.result.items.length === 0) throw new EngineError('no-such-item', `run ${runId} holds no rendered items`);
  const frames = await Promise.all(run.result.items.map((it) => decodePngRgb(itemBytes(store, run, it.image))));
  const size = run.settings.size;
  const cols = Math.ceil(Math.sqrt(frames.length));
  const grid = tileGrid(frames.map((f) => f.data), size, cols);
  const first = readFeaturevisRecord(itemBytes(store, run, run.result.items[0]!.image));
  const png = await encodeFeaturevisPng(grid, {
    kind: 'featurevis', version: 1, settings: { ...run.settings },
    grid: { cols, items: run.result.items.map((it) => ({ index: it.item, label: it.label, objective: it.objective })) },
    model: first?.model ?? { name: base, sha256: '' }, provider: run.provider, status: run.result.status, createdAt: new Date().toISOString(),
  });
  return { fileName: `${base}-featurevis-${run.id}.png`, mime: 'image/png', base64: Buffer.from(png).toString('base64') };
}
