// Finite-difference checks of the Conv/ConvTranspose, pooling and normalization rules, one tiny
// single-node model per case, gradient and differences both computed by onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A } from '../types';
import { convRules } from './conv';
import { poolRules } from './pool';
import { normRules } from './norm';
import type { MaxPoolStrategy } from '../strategies';
import { checkRule, distinctValues, randomValues, type OneNodeCase } from './rule-harness';

const rules = { ...convRules, ...poolRules, ...normRules };
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
const weights = (dims: number[], seed: number) => ({ dims, values: randomValues(size(dims), seed) });

interface Case extends OneNodeCase {
  name: string;
  /** 'smooth' values in [-1,1]; 'distinct' values far from max-pool ties */
  input?: 'smooth' | 'distinct';
  eps?: number;
  tol?: number;
  /** op types the backward must (not) use, to pin the chosen strategy */
  expectOps?: string[];
  forbidOps?: string[];
  pool?: MaxPoolStrategy;
  lrn?: 'pool';
}

const cases: Case[] = [
  // Conv — every adjoint path
  { name: 'Conv 3x3 pad 1 (flipped-kernel Conv path)', op: 'Conv', x: [2, 3, 6, 7], consts: [weights([4, 3, 3, 3], 1)], attrs: { pads: A.ints([1, 1, 1, 1]) }, expectOps: ['Conv'], forbidOps: ['ConvTranspose'] },
  { name: 'Conv 3x3 + bias, no pad', op: 'Conv', x: [1, 2, 6, 5], consts: [weights([3, 2, 3, 3], 2), weights([3], 3)] },
  { name: 'Conv 1x1', op: 'Conv', x: [2, 4, 3, 3], consts: [weights([5, 4, 1, 1], 4)] },
  { name: 'Conv 7x7 stride 2 pad 3 (GoogLeNet conv1, odd size leaves a stride leftover)', op: 'Conv', x: [1, 3, 13, 12], consts: [weights([4, 3, 7, 7], 5)], attrs: { strides: A.ints([2, 2]), pads: A.ints([3, 3, 3, 3]) }, expectOps: ['ConvTranspose'] },
  { name: 'Conv stride 3, asymmetric pads', op: 'Conv', x: [1, 2, 11, 10], consts: [weights([3, 2, 3, 2], 6)], attrs: { strides: A.ints([3, 2]), pads: A.ints([0, 2, 1, 0]) } },
  { name: 'Conv asymmetric pads stride 1', op: 'Conv', x: [1, 2, 6, 6], consts: [weights([2, 2, 3, 3], 7)], attrs: { pads: A.ints([2, 0, 0, 1]) } },
  { name: 'Conv auto_pad SAME_UPPER stride 2, odd sizes', op: 'Conv', x: [1, 2, 9, 7], consts: [weights([3, 2, 4, 3], 8)], attrs: { auto_pad: A.string('SAME_UPPER'), strides: A.ints([2, 2]) } },
  { name: 'Conv auto_pad SAME_LOWER stride 1, even kernel', op: 'Conv', x: [1, 2, 7, 6], consts: [weights([3, 2, 4, 2], 9)], attrs: { auto_pad: A.string('SAME_LOWER') } },
  { name: 'Conv auto_pad SAME_UPPER stride 1, even kernel', op: 'Conv', x: [1, 2, 7, 6], consts: [weights([3, 2, 2, 4], 10)], attrs: { auto_pad: A.string('SAME_UPPER') } },
  { name: 'Conv auto_pad VALID stride 2', op: 'Conv', x: [1, 2, 8, 9], consts: [weights([2, 2, 3, 3], 11)], attrs: { auto_pad: A.string('VALID'), strides: A.ints([2, 2]) } },
  { name: 'Conv dilation 2 pad 2', op: 'Conv', x: [1, 2, 9, 8], consts: [weights([3, 2, 3, 3], 12)], attrs: { dilations: A.ints([2, 2]), pads: A.ints([2, 2, 2, 2]) } },
  { name: 'Conv dilation 2 stride 2', op: 'Conv', x: [1, 2, 11, 10], consts: [weights([3, 2, 3, 3], 13)], attrs: { dilations: A.ints([2, 2]), strides: A.ints([2, 2]), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'Conv group=2', op: 'Conv', x: [2, 4, 6, 6], consts: [weights([6, 2, 3, 3], 14)], attrs: { group: A.int(2), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'Conv group=2 stride 2', op: 'Conv', x: [1, 4, 7, 7], consts: [weights([6, 2, 3, 3], 15)], attrs: { group: A.int(2), strides: A.ints([2, 2]) } },
  { name: 'Conv depthwise 3x3', op: 'Conv', x: [1, 4, 6, 5], consts: [weights([4, 1, 3, 3], 16)], attrs: { group: A.int(4), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'Conv depthwise multiplier 2, stride 2', op: 'Conv', x: [1, 3, 7, 8], consts: [weights([6, 1, 3, 3], 17)], attrs: { group: A.int(3), strides: A.ints([2, 2]), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'Conv 1-D', op: 'Conv', x: [2, 3, 11], consts: [weights([2, 3, 3], 18)], attrs: { pads: A.ints([1, 2]), strides: A.ints([2]) } },
  // ConvTranspose
  { name: 'ConvTranspose stride 2', op: 'ConvTranspose', x: [1, 3, 4, 5], consts: [weights([3, 2, 3, 3], 20)], attrs: { strides: A.ints([2, 2]) } },
  { name: 'ConvTranspose stride 2 pads + output_padding', op: 'ConvTranspose', x: [1, 2, 4, 4], consts: [weights([2, 3, 3, 3], 21)], attrs: { strides: A.ints([2, 2]), pads: A.ints([1, 0, 1, 0]), output_padding: A.ints([1, 1]) } },
  { name: 'ConvTranspose group=2 dilation 2', op: 'ConvTranspose', x: [1, 4, 4, 4], consts: [weights([4, 1, 3, 3], 22)], attrs: { group: A.int(2), dilations: A.ints([2, 2]), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'ConvTranspose output_shape', op: 'ConvTranspose', x: [1, 2, 3, 3], consts: [weights([2, 2, 3, 3], 23)], attrs: { strides: A.ints([3, 2]), output_shape: A.ints([10, 8]) } },
  { name: 'ConvTranspose SAME_UPPER', op: 'ConvTranspose', x: [1, 2, 3, 4], consts: [weights([2, 2, 4, 3], 24)], attrs: { strides: A.ints([2, 2]), auto_pad: A.string('SAME_UPPER') } },
  // MaxPool
  { name: 'MaxPool 3x3 s2 ceil_mode (GoogLeNet, overlapping)', op: 'MaxPool', input: 'distinct', x: [2, 3, 11, 12], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), ceil_mode: A.int(1) } },
  { name: 'MaxPool 3x3 s2 pads 1', op: 'MaxPool', input: 'distinct', x: [2, 2, 9, 8], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'MaxPool 3x3 s1 pads 1 (inception branch)', op: 'MaxPool', input: 'distinct', x: [1, 3, 6, 7], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([1, 1]), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'MaxPool 2x2 s2 floor drops a row (disjoint)', op: 'MaxPool', input: 'distinct', x: [2, 3, 7, 8], attrs: { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) } },
  { name: 'MaxPool 2x2 s2 ceil_mode (disjoint, overhang)', op: 'MaxPool', input: 'distinct', x: [1, 2, 7, 7], attrs: { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]), ceil_mode: A.int(1) } },
  { name: 'MaxPool asymmetric pads, dilation 2', op: 'MaxPool', input: 'distinct', x: [1, 2, 9, 9], attrs: { kernel_shape: A.ints([2, 3]), strides: A.ints([1, 2]), dilations: A.ints([2, 1]), pads: A.ints([1, 0, 0, 1]) } },
  { name: 'MaxPool SAME_UPPER odd size', op: 'MaxPool', input: 'distinct', x: [1, 2, 7, 9], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), auto_pad: A.string('SAME_UPPER') } },
  { name: 'MaxPool with Indices output, storage_order 1', op: 'MaxPool', input: 'distinct', outputs: 2, x: [2, 2, 6, 6], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), storage_order: A.int(1) } },
  // AveragePool
  { name: 'AveragePool 3x3 s1 pad 1 count_include_pad=0', op: 'AveragePool', x: [2, 3, 6, 7], attrs: { kernel_shape: A.ints([3, 3]), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'AveragePool 3x3 s1 pad 1 count_include_pad=1', op: 'AveragePool', x: [1, 3, 6, 7], attrs: { kernel_shape: A.ints([3, 3]), pads: A.ints([1, 1, 1, 1]), count_include_pad: A.int(1) } },
  { name: 'AveragePool 3x3 s2 ceil_mode pads, count_include_pad=1', op: 'AveragePool', x: [1, 2, 8, 9], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), pads: A.ints([1, 0, 1, 0]), ceil_mode: A.int(1), count_include_pad: A.int(1) } },
  { name: 'AveragePool 3x3 s2 ceil_mode pads, count_include_pad=0', op: 'AveragePool', x: [1, 2, 8, 9], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), pads: A.ints([1, 0, 1, 0]), ceil_mode: A.int(1) } },
  { name: 'AveragePool 2x2 s2 ceil_mode (overhanging window)', op: 'AveragePool', x: [1, 2, 7, 7], attrs: { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]), ceil_mode: A.int(1) } },
  { name: 'AveragePool 5x5 s3 (GoogLeNet aux head)', op: 'AveragePool', x: [1, 2, 14, 14], attrs: { kernel_shape: A.ints([5, 5]), strides: A.ints([3, 3]) } },
  { name: 'AveragePool SAME_UPPER asymmetric', op: 'AveragePool', x: [1, 2, 7, 6], attrs: { kernel_shape: A.ints([2, 3]), strides: A.ints([2, 1]), auto_pad: A.string('SAME_UPPER') } },
  { name: 'AveragePool dilation 2 pads (opset 19)', op: 'AveragePool', opset: 19, x: [1, 2, 9, 8], attrs: { kernel_shape: A.ints([3, 2]), dilations: A.ints([2, 2]), pads: A.ints([2, 1, 1, 1]) } },
  { name: 'AveragePool dilation 2 ceil_mode count_include_pad=1 (opset 19)', op: 'AveragePool', opset: 19, x: [1, 2, 9, 8], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), dilations: A.ints([2, 1]), pads: A.ints([1, 1, 1, 1]), ceil_mode: A.int(1), count_include_pad: A.int(1) } },
  { name: 'AveragePool 1-D', op: 'AveragePool', x: [2, 3, 10], attrs: { kernel_shape: A.ints([3]), strides: A.ints([2]), pads: A.ints([1, 1]) } },
  { name: 'MaxPool 1-D overlapping', op: 'MaxPool', input: 'distinct', x: [2, 3, 10], attrs: { kernel_shape: A.ints([3]), strides: A.ints([2]), pads: A.ints([1, 0]) } },
  { name: 'Conv 3-D', op: 'Conv', x: [1, 2, 4, 5, 4], consts: [weights([3, 2, 2, 3, 2], 19)], attrs: { pads: A.ints([1, 1, 0, 0, 1, 1]) } },
  { name: 'GlobalAveragePool', op: 'GlobalAveragePool', x: [2, 3, 4, 5] },
  { name: 'GlobalMaxPool', op: 'GlobalMaxPool', input: 'distinct', x: [2, 3, 4, 5] },
  // Normalization
  { name: 'LRN size 5 (GoogLeNet parameters)', op: 'LRN', x: [2, 7, 3, 4], attrs: { size: A.int(5), alpha: A.float(1e-4), beta: A.float(0.75), bias: A.float(1) }, eps: 1e-2 },
  { name: 'LRN size 5, strong cross-channel term', op: 'LRN', x: [1, 8, 3, 3], attrs: { size: A.int(5), alpha: A.float(2), beta: A.float(0.75), bias: A.float(1.5) }, eps: 1e-3, tol: 2e-3 },
  // (onnxruntime's LRN kernel only accepts odd sizes — a model with an even one cannot run at all — so
  // the swapped floor/ceil halves of an even window are not exercised; odd windows are symmetric)
  { name: 'LRN size 3', op: 'LRN', x: [1, 6, 2, 3], attrs: { size: A.int(3), alpha: A.float(1.5), beta: A.float(0.6), bias: A.float(2) }, eps: 1e-3, tol: 2e-3 },
  { name: 'LRN size 5, beta 0.5', op: 'LRN', x: [1, 7, 2, 3], attrs: { size: A.int(5), alpha: A.float(1), beta: A.float(0.5), bias: A.float(1) }, eps: 1e-3, tol: 2e-3 },
  { name: 'LRN size 3, beta 1', op: 'LRN', x: [1, 5, 2, 3], attrs: { size: A.int(3), alpha: A.float(1), beta: A.float(1), bias: A.float(1) }, eps: 1e-3, tol: 2e-3 },
  { name: 'LRN size 5 via AveragePool window sums', op: 'LRN', lrn: 'pool', x: [2, 7, 3, 4], attrs: { size: A.int(5), alpha: A.float(2), beta: A.float(0.75), bias: A.float(1.5) }, eps: 1e-3, tol: 2e-3 },
  { name: 'BatchNormalization (inference)', op: 'BatchNormalization', x: [2, 3, 4, 4], consts: [weights([3], 30), weights([3], 31), weights([3], 32), { dims: [3], values: [0.5, 1.5, 2.5] }] },
  { name: 'BatchNormalization, statistics known only at run time', op: 'BatchNormalization', runtimeConsts: true, x: [2, 3, 4, 4], consts: [weights([3], 30), weights([3], 31), weights([3], 32), { dims: [3], values: [0.5, 1.5, 2.5] }], expectOps: ['Sqrt'] },
  { name: 'BatchNormalization on [N, C] (BN1d)', op: 'BatchNormalization', x: [4, 3], consts: [weights([3], 35), weights([3], 36), weights([3], 37), { dims: [3], values: [0.7, 1.1, 2] }] },
  { name: 'InstanceNormalization, scale known only at run time', op: 'InstanceNormalization', runtimeConsts: true, x: [2, 3, 4, 5], consts: [weights([3], 33), weights([3], 34)], eps: 1e-3, tol: 2e-3 },
  { name: 'Conv 3x3, weights known only at run time (ConvTranspose path)', op: 'Conv', runtimeConsts: true, x: [1, 2, 5, 5], consts: [weights([3, 2, 3, 3], 38)], attrs: { pads: A.ints([1, 1, 1, 1]) }, expectOps: ['ConvTranspose'] },
  { name: 'InstanceNormalization', op: 'InstanceNormalization', x: [2, 3, 4, 5], consts: [weights([3], 33), weights([3], 34)], eps: 1e-3, tol: 2e-3 },
];

// MaxPool has several backward strategies (compile option strategies.maxPool); every MaxPool case runs through each.
const poolModes: { suffix: string; pool: MaxPoolStrategy; opset?: number; expectOps: string[]; forbidOps: string[] }[] = [
  { suffix: 'match', pool: 'match', expectOps: ['Equal', 'Where'], forbidOps: ['ScatterElements', 'MaxUnpool'] },
  { suffix: 'default @ opset 17', pool: 'auto', opset: 17, expectOps: [], forbidOps: [] },
  { suffix: 'default @ opset 13', pool: 'auto', opset: 13, expectOps: [], forbidOps: ['ScatterElements'] },
  { suffix: 'indices', pool: 'indices', opset: 17, expectOps: ['MaxPool'], forbidOps: ['Where'] },
  { suffix: 'blocks where tiling', pool: 'blocks', expectOps: [], forbidOps: [] },
  { suffix: 'scatter-add', pool: 'scatter', opset: 17, expectOps: ['ScatterElements'], forbidOps: ['MaxUnpool'] },
  { suffix: 'MaxUnpool phases', pool: 'phases', expectOps: ['MaxUnpool'], forbidOps: ['ScatterElements'] },
  { suffix: 'gather-add phases', pool: 'gather', opset: 13, expectOps: ['ScatterElements'], forbidOps: ['MaxUnpool'] },
  { suffix: 'first-max offsets', pool: 'offsets', opset: 13, expectOps: ['Equal', 'Where'], forbidOps: ['ScatterElements', 'MaxUnpool', 'MaxPool'] },
  { suffix: 'separable offsets', pool: 'separable', opset: 13, expectOps: ['Equal', 'Where'], forbidOps: ['ScatterElements', 'MaxUnpool'] },
  { suffix: 'one-hot conv', pool: 'onehot', opset: 13, expectOps: ['ArgMax', 'ConvTranspose'], forbidOps: ['ScatterElements', 'MaxUnpool', 'MaxPool'] },
  { suffix: 'dense from indices', pool: 'dense', expectOps: ['Mod', 'Where'], forbidOps: ['ScatterElements', 'MaxUnpool'] },
];
const expanded: Case[] = cases.flatMap((c) => {
  if (c.op !== 'MaxPool') return [c];
  const dilated = (c.attrs?.dilations?.value as number[] | undefined)?.some((d) => d > 1) ?? false;
  return poolModes
    .filter((m) => !(m.pool === 'match' && dilated))
    .map((m) => ({ ...c, name: `${c.name} — ${m.suffix}`, pool: m.pool, opset: m.opset ?? c.opset, expectOps: m.expectOps, forbidOps: m.forbidOps }));
});

for (const c of expanded) {
  test(`FD: ${c.name}`, async () => {
    const n = size(c.x);
    const x = c.input === 'distinct' ? distinctValues(n, 100) : randomValues(n, 100);
    // linear ops: any step is exact, so take a big one to drown float32 rounding
    const eps = c.eps ?? (c.input === 'distinct' ? 0.01 : 0.5);
    const r = await checkRule(rules, c, x, 7, eps, { maxPool: c.pool ?? 'auto', lrnWindow: c.lrn ?? 'slices' });
    for (const op of c.expectOps ?? []) assert.ok(r.backwardOps.includes(op), `backward should use ${op}: ${r.backwardOps.join(', ')}`);
    for (const op of c.forbidOps ?? []) assert.ok(!r.backwardOps.includes(op), `backward should not use ${op}: ${r.backwardOps.join(', ')}`);
    assert.ok(r.relL2 < (c.tol ?? 1e-4), `relative L2 error ${r.relL2.toExponential(2)} (max abs ${r.maxAbs.toExponential(2)})`);
  });
}

test('BatchNormalization in training mode is refused with the node name', async () => {
  const c: OneNodeCase = { op: 'BatchNormalization', x: [1, 2, 3, 3], opset: 15, outputs: 3, attrs: { training_mode: A.int(1) }, consts: [weights([2], 1), weights([2], 2), weights([2], 3), { dims: [2], values: [1, 1] }] };
  await assert.rejects(checkRule(rules, c, randomValues(18, 1), 1, 0.5), /BatchNormalization node "BatchNormalization_0" is in training mode/);
});

// The benchmark compares the alternative strategies; keep them correct too.
test('FD: Conv stride 1 through the ConvTranspose strategy', async () => {
  const c = cases.find((k) => k.name.startsWith('Conv group=2'))!;
  const r = await checkRule(rules, c, randomValues(size(c.x), 100), 7, 0.5, { conv: 'transpose' });
  assert.ok(r.backwardOps.includes('ConvTranspose'));
  assert.ok(r.relL2 < 1e-4, `relative L2 error ${r.relL2}`);
  // the default spelling of the same case is the flipped-kernel Conv (the option really switches)
  const auto = await checkRule(rules, c, randomValues(size(c.x), 100), 7, 0.5);
  assert.ok(!auto.backwardOps.includes('ConvTranspose'), auto.backwardOps.join(', '));
});

test('MaxPool ties inside a window: the first maximum wins by default and under offsets/separable/onehot (PyTorch), all tie under match', async () => {
  const c: OneNodeCase = { op: 'MaxPool', x: [1, 1, 2, 4], attrs: { kernel_shape: A.ints([3, 2]), strides: A.ints([2, 2]), pads: A.ints([1, 0, 0, 0]) } };
  const x = Float32Array.from([1, 1, 0, 3, 1, 0, 2, 3]); // window 0: three 1s tie; window 1: two 3s tie
  const dy = randomValues(2, 8); // the harness's R for seed 7
  const round = (v: ArrayLike<number>) => Array.from(v, (k) => Math.round(k * 1e5));
  const first = await checkRule(rules, c, x, 7, 1e-3);
  assert.deepEqual(round(first.grad), round([dy[0]!, 0, 0, dy[1]!, 0, 0, 0, 0]));
  for (const mode of ['offsets', 'separable', 'onehot'] as const) {
    const r = await checkRule(rules, c, x, 7, 1e-3, { maxPool: mode });
    assert.ok(!r.backwardOps.includes('ScatterElements') && !r.backwardOps.includes('MaxUnpool'), `${mode} needs no scatter`);
    assert.deepEqual(round(r.grad), round([dy[0]!, 0, 0, dy[1]!, 0, 0, 0, 0]), mode);
  }
  const all = await checkRule(rules, c, x, 7, 1e-3, { maxPool: 'match' });
  assert.deepEqual(round(all.grad), round([dy[0]!, dy[0]!, 0, dy[1]!, dy[0]!, 0, 0, dy[1]!]));
});

test('MaxPool blocks strategy: SpaceToDepth for tiling windows, indices otherwise', async () => {
  const run = (name: string) => {
    const c = cases.find((k) => k.name.startsWith(name))!;
    return checkRule(rules, c, distinctValues(size(c.x), 100), 7, 0.01, { maxPool: 'blocks' });
  };
  const tiled = await run('MaxPool 2x2 s2 floor');
  assert.ok(tiled.backwardOps.includes('SpaceToDepth'));
  assert.ok(tiled.relL2 < 1e-4, `relative L2 error ${tiled.relL2}`);
  assert.ok((await run('MaxPool 2x2 s2 ceil_mode')).backwardOps.includes('MaxPool'), 'ceil_mode overhang: not a tiling');
  assert.ok((await run('MaxPool 3x3 s2 pads 1')).backwardOps.includes('MaxPool'));
});

test('strategies are compile options: two spellings compiled side by side, unknown names refused', async () => {
  const c = cases.find((k) => k.name.startsWith('MaxPool 3x3 s2 pads 1'))!;
  const x = distinctValues(size(c.x), 100);
  // run concurrently: with module-level state one would see the other's choice
  const [match, indices] = await Promise.all([
    checkRule(rules, c, x, 7, 0.01, { maxPool: 'match' }),
    checkRule(rules, c, x, 7, 0.01, { maxPool: 'indices' }),
  ]);
  assert.ok(!match.backwardOps.includes('MaxPool') && indices.backwardOps.includes('MaxPool'));
  assert.ok(match.relL2 < 1e-4 && indices.relL2 < 1e-4);
  await assert.rejects(checkRule(rules, c, x, 7, 0.01, { maxPool: 'fastest' as MaxPoolStrategy }), /unknown maxPool strategy "fastest"/);
});
