// Host domain "photos": add, remove, thumbnails (cached by content hash: a photo never changes).
import * as fs from 'node:fs';
import type { Result } from '../../../shared/contract';
import { sha256 } from '../onnx/inspect';
import { imageInfo, thumbnail } from '../image/image';
import { resolveSource } from './sources';
import { remember, type HostContext, type Handlers } from './context';

export function photoHandlers(ctx: HostContext): Handlers<'photo:add' | 'photo:remove' | 'photo:thumbnail'> {
  const thumbs = new Map<string, Result<'photo:thumbnail'>>();
  return {
    'photo:add': async ({ source }) => {
      const store = ctx.project();
      const src = resolveSource(source, 'photo', ctx.uploadDir());
      const bytes = await fs.promises.readFile(src.path);
      const info = await imageInfo(bytes, src.name);
      const rec = store.addPhoto({ name: src.name, mime: info.mime, width: info.width, height: info.height, sha256: sha256(bytes) }, bytes);
      ctx.changed();
      return rec;
    },
    'photo:remove': ({ photoId, seenRunIds }) => {
      ctx.project().removePhoto(photoId, seenRunIds);
      ctx.changed();
      return null;
    },
    'photo:thumbnail': async ({ photoId, maxSize }) => {
      const store = ctx.project();
      const photo = store.photo(photoId);
      const key = `${photo.sha256}|${maxSize}`;
      const hit = thumbs.get(key);
      if (hit) return hit;
      const t = await thumbnail(store.photoBytes(photoId), maxSize, photo.name);
      const out = { mime: t.mime, base64: Buffer.from(t.bytes).toString('base64'), width: t.width, height: t.height };
      remember(thumbs, key, out, 64);
      return out;
    },
  };
}
