// Readable names for exported attribution files: `<photo stem>-<method>-<target>`, e.g.
// `dog-gradcam-golden_retriever.png`. The engine (single-run export) and the renderer (the comparison
// sheet) name files the same way, so a folder of exports sorts by photo, then method.
import type { TargetSpec } from './jobs/attribution';

/** lower-case words joined by `_`; anything a file system could object to is dropped */
function slug(text: string): string {
  return text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 48);
}

/** "photo.final.JPG" → "photo.final" → "photo_final" */
export function photoStem(photoName: string | undefined): string {
  const base = (photoName ?? '').replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '');
  return slug(base) || 'photo';
}

/** The target in a file name: a class's first label synonym ("golden retriever, ..." → golden_retriever), else class<N>, or layer-channel. */
export function targetStem(target: TargetSpec): string {
  switch (target.kind) {
    case 'top1': return 'top1';
    case 'class': {
      const label = target.label?.split(',')[0]?.trim();
      const named = label ? slug(label) : '';
      return named || `class${target.index}`;
    }
    case 'channel': return `${slug(target.layer)}-ch${target.channel}`;
    case 'neuron': return `${slug(target.layer)}-ch${target.channel}-y${target.y}-x${target.x}`;
  }
}

export function attributionFileStem(photoName: string | undefined, method: string, target: TargetSpec): string {
  return `${photoStem(photoName)}-${slug(method).replace(/_/g, '-')}-${targetStem(target)}`;
}
