// What several recipes' host halves need from the project: a model and photo by id (clear errors), a
// photo as the model's input tensor at its preprocessing, and how the worker gets the model's weights.
import * as fs from 'node:fs';
import type { ModelRecord, PhotoRecord } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import type { ProjectStore } from '../../store/project';
import { decodeResized } from '../image/image';
import { imageToTensor, type ModelTensor } from '../pixels/index';
import type { ModelRef } from '../jobs/protocol';

/** Photo → model input tensor, following the model's preprocessing (1-channel models get luma). */
export async function photoTensor(store: ProjectStore, rec: ModelRecord, photoId: string): Promise<{ tensor: ModelTensor; photo: PhotoRecord; preprocessMs: number }> {
  const photo = store.photo(photoId);
  const pre = rec.preprocess;
  const t0 = performance.now();
  const img = await decodeResized(store.photoBytes(photoId), pre.width, pre.height, pre.resize, photo.name);
  const input = rec.description.inputs.find((i) => i.name === rec.description.imageInput);
  const ch = pre.layout === 'NCHW' ? input?.shape[1] : input?.shape[3];
  const tensor = imageToTensor(img, pre, ch === 1 ? 1 : 3);
  return { tensor, photo, preprocessMs: performance.now() - t0 };
}

/**
 * The weights a job's worker half reads: the model file when it is still there and unchanged in size
 * (the worker reads it itself), else the copy embedded in the project (bytes cross threads once).
 */
export function jobModelRef(store: ProjectStore, rec: ModelRecord): ModelRef {
  const st = fs.existsSync(rec.path) ? fs.statSync(rec.path) : undefined;
  const onDisk = !!st?.isFile() && st.size === rec.description.fileSize;
  if (onDisk && !rec.embedded) return { sha: rec.sha256, fileName: rec.name, path: rec.path };
  const bytes = store.modelBytes(rec.id);
  if (bytes) return { sha: rec.sha256, fileName: rec.name, bytes, ...(onDisk ? { path: rec.path } : {}) };
  throw new EngineError('model-missing', `The model file ${rec.path} is gone and the model was not embedded in the project. Add it again (with "embed" to keep it in the project).`);
}
