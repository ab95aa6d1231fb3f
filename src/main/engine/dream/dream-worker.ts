// Worker-thread entry for one dream (see worker-protocol.ts). Built as out/main/dream-worker.js.
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeModel, readModelFile } from '../onnx/model';
import { DreamControl } from './control';
import { dream } from './dream';
import type { FromDreamWorker, ToDreamWorker } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('dream worker must run in a worker thread');
const control = new DreamControl();
const post = (m: FromDreamWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (m: ToDreamWorker) => {
  if (m.type === 'pause') control.pause();
  else if (m.type === 'resume') control.resume();
  else if (m.type === 'cancel') control.cancel();
  else if (m.type === 'start') {
    const { req } = m;
    void (async () => {
      try {
        const model = req.modelBytes ? decodeModel(req.modelBytes, { fileName: req.modelName }) : readModelFile(req.modelPath!);
        let encoding = false;
        const r = await dream(
          { photo: req.photo, model, space: req.space, settings: req.settings, guide: req.guide, provider: req.provider, threads: req.threads },
          {
            control,
            previewEveryMs: req.previewEveryMs ?? 1000,
            previewMaxSide: req.previewMaxSide ?? 512,
            onProgress: (progress) => post({ type: 'progress', progress }),
            onPreview: (f) => {
              // Encoding runs on sharp's threads; skip a frame rather than queue them behind a slow encode.
              if (encoding) return;
              encoding = true;
              sharp(f.data, { raw: { width: f.width, height: f.height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer().then(
                (b) => { encoding = false; const jpeg = new Uint8Array(b); post({ type: 'preview', jpeg, width: f.width, height: f.height }); },
                () => { encoding = false; },
              );
            },
          },
        );
        const { image, ...summary } = r;
        post({ type: 'done', summary, width: image.width, height: image.height, rgb: image.data }, [image.data.buffer as ArrayBuffer]);
      } catch (e) {
        post({ type: 'error', message: (e as Error).message });
      }
    })();
  }
});
