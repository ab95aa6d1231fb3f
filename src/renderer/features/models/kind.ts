// What kind of model this is, in words for the model page: a classifier (with how many classes and where
// its class names come from), an image-to-image network (fast style transfer), or a feature extractor.
import type { ModelRecord } from '../../../shared/contract';
import { isImageToImage } from '../style/form';

export interface ModelKind {
  kind: 'classifier' | 'image-to-image' | 'features';
  /** one line: "Classifier · 1000 classes" */
  text: string;
  /** what the app does with it */
  hint: string;
}

/**
 * True when the labels are the ImageNet-1000 names the engine gives a 1000-way (or 1001-way, background
 * first) classifier (resources/labels/imagenet-1000.json): first "tench", last "toilet tissue".
 */
export function hasBuiltInImagenetNames(labels: readonly string[] | undefined): boolean {
  if (!labels || (labels.length !== 1000 && labels.length !== 1001)) return false;
  const first = labels.length === 1001 ? labels[1] : labels[0];
  return first === 'tench' && labels[labels.length - 1] === 'toilet tissue';
}

export function modelKind(model: ModelRecord): ModelKind {
  const d = model.description;
  if (d.isClassifier) {
    const n = d.classCount;
    const names = model.labels?.length
      ? hasBuiltInImagenetNames(model.labels) ? 'ImageNet class names (built in)' : 'class names from a labels file'
      : 'no class names: classes show as numbers';
    return {
      kind: 'classifier',
      text: `Classifier · ${n ?? '?'} classes`,
      hint: `Output ${d.classifierOutput ?? '?'}; ${names}. Classify in Run; attribution and adversarial examples target its classes.`,
    };
  }
  if (isImageToImage(model)) {
    return {
      kind: 'image-to-image',
      text: 'Image-to-image (fast style transfer)',
      hint: `One colour picture in (${d.inputs[0]?.name}), one out (${d.outputs[0]?.name}): stylize photos with it in the Style tab.`,
    };
  }
  const maps = d.layers.filter((l) => l.shape.length === 4).length;
  return {
    kind: 'features',
    text: 'Feature extractor · no classifier head',
    hint: `${maps} feature map${maps === 1 ? "" : "s"} to study: activations, DeepDream, feature visualization, or as a style-transfer loss network.`,
  };
}
