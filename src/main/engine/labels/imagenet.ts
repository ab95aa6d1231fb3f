// Class names that ship with the app, so an ImageNet classifier reads "golden retriever (207)" without a
// labels file. The names are bundled from resources/labels/imagenet-1000.json (see its README for the
// order, provenance and licence); nothing is read from disk at run time.
import imagenet from '../../../../resources/labels/imagenet-1000.json';

export const IMAGENET_1000: readonly string[] = imagenet.names;

/** What a model's class names are: a labels file the person gave, the built-in ImageNet names, or none. */
export type LabelsOrigin = 'file' | 'imagenet-1000' | 'imagenet-1001' | 'none';

/**
 * The built-in names for a classifier with this many classes: 1000 → ImageNet-1k; 1001 → "background" then
 * ImageNet-1k (TF-slim's layout). Any other count has no built-in names.
 */
export function builtInLabels(classCount: number | undefined): { labels: string[]; origin: LabelsOrigin } | undefined {
  if (classCount === 1000) return { labels: [...IMAGENET_1000], origin: 'imagenet-1000' };
  if (classCount === 1001) return { labels: ['background', ...IMAGENET_1000], origin: 'imagenet-1001' };
  return undefined;
}

/** A class as people read it: its name with its index (two ImageNet names occur twice), or "class N" without names. */
export function classText(index: number, label: string | undefined): string {
  return label && label !== `class ${index}` ? `${label} (${index})` : `class ${index}`;
}
