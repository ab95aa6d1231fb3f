// Recipe 'stylize': a feed-forward fast-style network (../style/fast.ts) on a batch of project photos. The
// host half refuses a model whose output is not an image and any unreadable photo, by name, before the job
// is queued; the worker half runs each photo by tiles (a checkpoint between tiles: pause and cancel land
// within one tile; a cancelled batch keeps the photos it finished); the host half stores one PNG per photo
// (settings in its text chunk) and the typed run. Each finished photo is kept in the run's row at once
// (ctl.keepItem): a run a crash interrupted resumes without redoing them (resumeItems).
import type { ExecutionProviderName, ModelDescription } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { pixelSpace, type PixelSpace } from '../../../shared/pixels';
import { parseStylizeSettings, type StylizeSettings } from '../../../shared/jobs/style';
import type { RunSettings } from '../../../shared/jobs/runs';
import { Cancelled } from '../jobs/control';
import type { ModelRef } from '../jobs/protocol';
import { runtimeModel, type ForwardSession, type GradientRuntime } from '../gradients/runtime';
import type { SessionPlacement } from '../runtime/sessions';
import { addPngText, readPngText } from '../image/image';
import { decodeRgb } from '../pixels/rgb';
import type { Model } from '../onnx/model';
import type { Rgb } from '../pixels/index';
import { fastNet, fastSpaces, stylizeRgb, type FastNet } from '../style/fast';
import { decodePhoto, longSide, resizeCubic } from '../style/images';
import { encodeStyle, STYLIZE_TEXT_KEY } from '../style/export';
import { hostModel } from './featurevis';
import { previewFrame } from './style';
import { jobModelRef } from './inputs';
import type { Recipe } from './types';

export { STYLIZE_TEXT_KEY };
/** tile side for networks that take any size: a 1024² tile of a Johnson net needs well under 1 GB */
export const DEFAULT_FREE_TILE = 1024;

interface Input {
  model: ModelRef;
  modelName: string;
  net: FastNet;
  spaces: { input: PixelSpace; output: PixelSpace };
  /** the photos still to do; `index` is the photo's place in the job's photoIds */
  photos: { id: string; name: string; image: Rgb; index: number }[];
  settings: RunSettings<'stylize'>;
  /** resumed: photos an interrupted run finished (host side only: the worker ignores them, save merges them) */
  kept?: KeptItem[];
}

interface KeptItem { index: number; photoId: string; png: Uint8Array; tiles: number; ms: number }

/** the text key of a kept item's PNG: which photo it is, and how it ran */
const ITEM_KEY = 'featurescope:stylize-item';

interface Output {
  status: 'done' | 'cancelled';
  items: { index: number; photoId: string; image: Rgb; tiles: number; ms: number }[];
  totalMs: number;
  sessionMs: number;
  provider: ExecutionProviderName;
  fallbackReason?: string;
}

/** The output's shape from the model's inspection run, for fastNet's host-side check. */
export function inspectedOutput(d: ModelDescription): { outputShape?: number[]; input: { width: number; height: number } } {
  const out = d.outputs[0]?.name;
  const shape = d.layers.find((l) => l.name === out)?.shape;
  return { ...(shape ? { outputShape: shape } : {}), input: d.inspectedSize };
}

export const stylizeArtifactName = (i: number): string => `stylized-${String(i).padStart(3, '0')}.png`;

/** The tile side a run uses: the network's own input when fixed, else the setting or DEFAULT_FREE_TILE. */
export function stylizeTile(net: FastNet, s: StylizeSettings): { width: number; height: number } {
  if (net.fixed) return net.fixed;
  const t = s.tile ?? DEFAULT_FREE_TILE;
  return { width: t, height: t };
}

/** A photo through the network at the settings' size, with cached sessions per tile shape (the worker half, and the CLI). */
export async function stylizePhoto(
  img: Rgb, o: { model: Model; sha: string; net: FastNet; spaces: { input: PixelSpace; output: PixelSpace }; settings: StylizeSettings; runtime: GradientRuntime; placement?: SessionPlacement; checkpoint?(): Promise<boolean>; onTile?(done: number, total: number): void },
): Promise<{ image: Rgb; tiles: number; sessionMs: number; provider: ExecutionProviderName; fallbackReason?: string } | undefined> {
  const size = o.settings.size ? longSide(img.width, img.height, o.settings.size) : undefined;
  const src = size ? await resizeCubic(img, size.width, size.height) : img;
  const sessions = new Map<string, ForwardSession>();
  const rm = runtimeModel(o.model, o.sha);
  let sessionMs = 0, provider: ExecutionProviderName = o.placement?.provider ?? 'cpu', fallbackReason: string | undefined;
  try {
    const r = await stylizeRgb(src, o.net, o.spaces, {
      session: async (width, height) => {
        const key = `${width}x${height}`;
        let s = sessions.get(key);
        if (!s) {
          s = await o.runtime.forward({ model: rm, input: o.net.input, shape: [1, 3, height, width], fetch: [o.net.output], rewrite: false, ...(o.placement ? { placement: o.placement } : {}), label: 'fast-style network' });
          if (s.fresh) sessionMs += s.prepareMs;
          provider = s.provider; fallbackReason ??= s.fallbackReason;
          sessions.set(key, s);
        }
        return s;
      },
    }, { tile: stylizeTile(o.net, o.settings), overlap: o.settings.overlap, ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}), ...(o.onTile ? { onTile: o.onTile } : {}) });
    return r && { ...r, sessionMs, provider, ...(fallbackReason ? { fallbackReason } : {}) };
  } finally {
    for (const s of sessions.values()) await s.release();
  }
}

export const stylizeRecipe: Recipe<'stylize', Input, Output> = {
  kind: 'stylize',
  heavy: true,

  async prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    let s: StylizeSettings;
    try {
      s = parseStylizeSettings(spec.settings);
    } catch (e) {
      throw new EngineError('bad-args', (e as Error).message);
    }
    const model = hostModel(store, rec);
    const net = fastNet(model, rec.name, inspectedOutput(rec.description));
    if (s.tile && net.fixed) throw new EngineError('bad-args', `tile: ${rec.name} takes a fixed ${net.fixed.width}×${net.fixed.height} input, so its tiles are that size`);
    const spaces = fastSpaces(model, pixelSpace(rec.preprocess));
    const photos = await Promise.all(spec.photoIds.map(async (id, i) => {
      let name = id;
      try {
        name = store.photo(id).name;
        const img = await decodePhoto(store.photoBytes(id), name);
        return { id, name, image: { width: img.width, height: img.height, data: new Uint8Array(img.data) }, index: i };
      } catch (e) {
        throw new EngineError('bad-image', `photoIds[${i}] (${name}): ${(e as Error).message}`);
      }
    }));
    const pre = rec.preprocess;
    const settings: RunSettings<'stylize'> = {
      ...s, photoIds: spec.photoIds, modelInput: net.input, modelOutput: net.output, ...(net.fixed ? { fixedSize: net.fixed } : {}),
      preprocess: { preset: pre.preset, ...spaces.input },
    };
    return {
      title: `Stylize ${photos.length === 1 ? photos[0]!.name : `${photos.length} photos`} with ${rec.name}`,
      input: { model: jobModelRef(store, rec), modelName: rec.name, net, spaces, photos, settings },
      transfer: photos.map((p) => p.image.data.buffer as ArrayBuffer),
    };
  },

  // Resume after a crash: the photos the interrupted run finished (kept in its row as it went) are not
  // done again; an item that does not match this job's photo at its place is ignored (done again).
  async resumeItems(prepared, items) {
    const i = prepared.input;
    const kept: KeptItem[] = [];
    for (const it of items) {
      let meta: { index?: unknown; photoId?: unknown; tiles?: unknown; ms?: unknown };
      try {
        meta = JSON.parse(readPngText(it.bytes)[ITEM_KEY] ?? 'null') ?? {};
      } catch {
        continue;
      }
      const p = i.photos.find((x) => x.index === meta.index);
      if (!p || p.id !== meta.photoId || kept.some((k) => k.index === p.index)) continue;
      kept.push({ index: p.index, photoId: p.id, png: it.bytes, tiles: Number(meta.tiles) || 0, ms: Number(meta.ms) || 0 });
    }
    if (!kept.length) return prepared;
    const photos = i.photos.filter((p) => !kept.some((k) => k.index === p.index));
    return { ...prepared, input: { ...i, photos, kept }, transfer: photos.map((p) => p.image.data.buffer as ArrayBuffer) };
  },

  async run(i, ctl, env) {
    const t0 = performance.now();
    const total = i.photos.length + (i.kept?.length ?? 0);
    const { provider, threads } = env.placement();
    const model = env.model(i.model).model;
    const items: Output['items'] = [];
    let sessionMs = 0, used: ExecutionProviderName = provider, fallbackReason: string | undefined;
    for (let k = 0; k < i.photos.length; k++) {
      const p = i.photos[k]!;
      const t1 = performance.now();
      const r = await stylizePhoto(p.image, {
        model, sha: i.model.sha, net: i.net, spaces: i.spaces, settings: i.settings, runtime: env.gradients, placement: { provider, threads },
        checkpoint: () => ctl.checkpoint(),
        onTile: (done, tiles) => ctl.progress((total - i.photos.length + k + done / tiles) / total, `${p.name}: tile ${done}/${tiles}`),
      });
      if (!r) break;
      sessionMs += r.sessionMs; used = r.provider; fallbackReason ??= r.fallbackReason;
      const item = { index: p.index, photoId: p.id, image: r.image, tiles: r.tiles, ms: performance.now() - t1 };
      items.push(item);
      ctl.keepItem(`${p.index}`, r.image, { [ITEM_KEY]: JSON.stringify({ index: item.index, photoId: item.photoId, tiles: item.tiles, ms: Math.round(item.ms) }) });
      ctl.preview(() => previewFrame(r.image));
    }
    // nothing of this job's to keep (a resumed one still has the photos it kept)
    if (items.length === 0 && !i.kept?.length) throw new Cancelled();
    const status = items.length < i.photos.length ? 'cancelled' : 'done';
    return {
      output: { status, items, totalMs: performance.now() - t0, sessionMs, provider: used, ...(fallbackReason ? { fallbackReason } : {}) },
      transfer: items.map((it) => it.image.data.buffer as ArrayBuffer),
    };
  },

  async save(r, spec, prepared, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    if (r.fallbackReason) host.fellBack(r.fallbackReason);
    const settings = prepared.input.settings;
    // a resumed run: the photos it kept from before the crash, in their places
    const kept = await Promise.all((prepared.input.kept ?? []).map(async (k) => ({ index: k.index, photoId: k.photoId, image: await decodeRgb(k.png, `kept photo ${k.index + 1}`), tiles: k.tiles, ms: k.ms })));
    const all = [...kept, ...r.items].sort((a, b) => a.index - b.index);
    const artifacts = await Promise.all(all.map(async (it) => {
      const photo = store.photo(it.photoId);
      const record = { kind: 'stylize', version: 1, settings, model: { name: rec.name, sha256: rec.sha256 }, photo: { name: photo.name, sha256: photo.sha256 }, provider: r.provider, createdAt: new Date().toISOString() };
      const png = addPngText(await encodeStyle(it.image, 'png'), { Software: 'Featurescope', [STYLIZE_TEXT_KEY]: JSON.stringify(record) });
      return { name: stylizeArtifactName(it.index), mime: 'image/png', bytes: png };
    }));
    return {
      run: {
        kind: 'stylize', modelId: spec.modelId, photoId: spec.photoIds[0]!, settings,
        result: {
          status: r.status,
          items: all.map((it) => ({ photoId: it.photoId, image: stylizeArtifactName(it.index), width: it.image.width, height: it.image.height, tiles: it.tiles, ms: it.ms })),
          timings: { totalMs: r.totalMs, sessionMs: r.sessionMs }, ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}),
        },
        status: r.status, provider: r.provider, durationMs: r.totalMs,
      },
      artifacts,
    };
  },
};
