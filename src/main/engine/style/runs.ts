// Reading saved style and stylize runs back: the result as PNG (settings in its text chunk, as stored) or as
// JPEG (the same settings in its XMP packet) — what the Style tab's export buttons send.
import sharp from 'sharp';
import { EngineError } from '../../../shared/errors';
import type { ProjectStore } from '../../store/project';
import { readPngText, xmpPacket } from '../image/image';
import { STYLE_TEXT_KEY, STYLIZE_TEXT_KEY } from './export';

export interface ExportedFile {
  fileName: string;
  mime: string;
  base64: string;
}

/** A PNG as a JPEG carrying the PNG's `key` text chunk as the XMP property `prop`. */
async function pngToJpeg(png: Uint8Array, key: string, prop: string): Promise<Uint8Array> {
  const text = readPngText(png)[key];
  const s = sharp(png, { limitInputPixels: 1 << 28 });
  return new Uint8Array(await (text ? s.withXmp(xmpPacket({ [prop]: text })) : s).jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer());
}

const stem = (name: string) => name.replace(/\.[^.]+$/, '');

async function send(png: Uint8Array, base: string, format: 'png' | 'jpeg', key: string, prop: string): Promise<ExportedFile> {
  if (format === 'png') return { fileName: `${base}.png`, mime: 'image/png', base64: Buffer.from(png).toString('base64') };
  return { fileName: `${base}.jpg`, mime: 'image/jpeg', base64: Buffer.from(await pngToJpeg(png, key, prop)).toString('base64') };
}

export async function styleExport(store: ProjectStore, runId: string, format: 'png' | 'jpeg'): Promise<ExportedFile> {
  const run = store.run(runId);
  if (run.kind !== 'style') throw new EngineError('bad-args', `Run ${runId} is a ${run.kind} run, not a style run.`);
  const a = run.artifacts.find((x) => x.mime === 'image/png');
  if (!a) throw new EngineError('no-such-item', `Style run ${runId} has no image stored.`);
  const png = store.artifact(a.id).bytes;
  const what = run.settings.mode === 'transfer' ? 'style' : run.settings.mode;
  const base = `${run.photoId ? stem(store.photo(run.photoId).name) : 'texture'}-${what}`;
  return send(png, base, format, STYLE_TEXT_KEY, 'style');
}

export async function stylizeExport(store: ProjectStore, runId: string, item: number, format: 'png' | 'jpeg'): Promise<ExportedFile> {
  const run = store.run(runId);
  if (run.kind !== 'stylize') throw new EngineError('bad-args', `Run ${runId} is a ${run.kind} run, not a fast-style run.`);
  const it = run.result.items[item];
  if (!it) throw new EngineError('no-such-item', `Photo ${item} of fast-style run ${runId} was not stylized (it has ${run.result.items.length}).`);
  const a = run.artifacts.find((x) => x.name === it.image);
  if (!a) throw new EngineError('no-such-item', `Fast-style run ${runId} has no image ${it.image} stored.`);
  const model = stem(store.model(run.modelId).name);
  return send(store.artifact(a.id).bytes, `${stem(store.photo(it.photoId).name)}-${model}`, format, STYLIZE_TEXT_KEY, 'stylize');
}
