// The one registry of gradient rules: op type → rule. Override rule sets (guided backprop, deconvnet,
// Lucid's redirected ReLU) are copies of the default map with the Relu entry swapped — never forks of
// the walker.
import type { RuleMap } from '../types';
import { activationRules } from './activation';
import { elementwiseRules } from './elementwise';
import { reduceRules } from './reduce';
import { shapeRules } from './shape';
import { resizeRules } from './resize';
import { layerNormRules } from './layernorm';
import { convRules } from './conv';
import { poolRules } from './pool';
import { normRules } from './norm';
import { overrideRules } from './overrides';

export const defaultRules: RuleMap = {
  ...activationRules,
  ...elementwiseRules,
  ...reduceRules,
  ...shapeRules,
  ...resizeRules,
  ...layerNormRules,
  ...convRules,
  ...poolRules,
  ...normRules,
};

export type RuleSetName = 'default' | 'guided' | 'deconvnet' | 'redirected-relu';

export const RULE_SETS: Record<RuleSetName, RuleMap> = {
  default: defaultRules,
  guided: { ...defaultRules, Relu: overrideRules.guidedRelu },
  deconvnet: { ...defaultRules, Relu: overrideRules.deconvRelu },
  'redirected-relu': { ...defaultRules, Relu: overrideRules.redirectedRelu },
};

export function ruleSet(name: RuleSetName): RuleMap {
  const r = RULE_SETS[name];
  if (!r) throw new Error(`unknown gradient rule set "${name}" (use ${Object.keys(RULE_SETS).join(', ')})`);
  return r;
}
