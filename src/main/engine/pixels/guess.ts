// The one preprocessing guess: from what a model file says about itself to a Preprocess the person can
// correct. Model inspection (suggestedPreprocess), the CLI commands and dreams all start from it.
import type { Preprocess } from '../../../shared/contract';
import { KERAS_CAFFE_MEAN, preset } from '../../../shared/pixels';
import type { Model } from '../onnx/model';

/**
 * Caffe-converted models name their input `data`, use LRN, or say "caffe" in the producer; Keras/TF
 * models are NHWC; PyTorch exports say so; input names such as `input_bgr_meansub` say it outright.
 * `size` is the size the model runs at (227 and 299 hint at Caffe and Keras crops).
 */
export function guessPreprocess(
  m: Model,
  img: { name: string; layout: 'NCHW' | 'NHWC' },
  fileName: string,
  size: { width: number; height: number },
): Preprocess {
  const producer = `${m.producerName} ${m.producerVersion}`.toLowerCase();
  const input = img.name.toLowerCase();
  const ops = new Set(m.graph.nodes.map((n) => n.opType));
  const hint = `${fileName} ${m.graph.name} ${m.docString}`.toLowerCase();
  let p: Preprocess;
  if (input.includes('bgr') && (input.includes('meansub') || input.includes('mean'))) {
    p = preset('caffe', size.width, size.height, img.layout);
    if (/vgg/.test(hint) || /keras/.test(producer)) p.mean = [...KERAS_CAFFE_MEAN];
  } else if (input === 'data' || producer.includes('caffe') || ops.has('LRN') || (size.width === 227 && size.height === 227 && !/pytorch/.test(producer))) {
    // 227×227 is the Caffe AlexNet/SqueezeNet crop
    p = preset('caffe', size.width, size.height, img.layout);
  } else if (ops.has('ImageScaler') || input.includes('bgr')) {
    // The model scales its own input (style-transfer nets): it wants plain 0..255 pixels.
    p = preset('raw255', size.width, size.height, img.layout);
    if (input.includes('bgr') || /onnxmltools|coreml/.test(producer)) p.channelOrder = 'BGR';
  } else if (img.layout === 'NHWC' || /tf2onnx|keras|tensorflow/.test(producer) || (size.width === 299 && !/pytorch/.test(producer))) {
    // 299×299 is the Keras/TF Inception v3 / Xception size
    p = preset('tf', size.width, size.height, img.layout);
  } else {
    p = preset('torch', size.width, size.height, img.layout);
  }
  return p;
}

