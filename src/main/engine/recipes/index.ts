// Every kind of job, by kind. The engine worker runs their worker halves, the job runtime their host halves.
import type { JobKind } from '../../../shared/jobs/index';
import { activationsRecipe } from './activations';
import { attributionRecipe } from './attribution';
import { dreamRecipe } from './dream';
import { adversarialRecipe } from './adversarial';
import { featurevisRecipe } from './featurevis';
import { styleRecipe } from './style';
import { stylizeRecipe } from './stylize';
import { datasetIndexRecipe } from './dataset-index';
import { tuningRecipe } from './tuning';
import type { Recipe } from './types';

export const RECIPES: { [K in JobKind]: Recipe<K, never, never> } = {
  activations: activationsRecipe as unknown as Recipe<'activations', never, never>,
  dream: dreamRecipe as unknown as Recipe<'dream', never, never>,
  attribution: attributionRecipe as unknown as Recipe<'attribution', never, never>,
  adversarial: adversarialRecipe as unknown as Recipe<'adversarial', never, never>,
  featurevis: featurevisRecipe as unknown as Recipe<'featurevis', never, never>,
  style: styleRecipe as unknown as Recipe<'style', never, never>,
  stylize: stylizeRecipe as unknown as Recipe<'stylize', never, never>,
  datasetIndex: datasetIndexRecipe as unknown as Recipe<'datasetIndex', never, never>,
  tuning: tuningRecipe as unknown as Recipe<'tuning', never, never>,
};
