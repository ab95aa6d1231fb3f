import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunOf } from '../../../shared/contract';
import { knownPreset } from './layers';

function run(id: string, createdAt: string, o: { modelId?: string; mode?: 'transfer' | 'texture' | 'inversion'; content: 'given' | 'preset'; style: 'given' | 'preset'; contentLayers: string[]; styleLayers: string[] }): RunOf<'style'> {
  return {
    id, kind: 'style', modelId: o.modelId ?? 'm1', createdAt,
    settings: { mode: o.mode ?? 'transfer', contentLayers: o.contentLayers, styleLayers: o.styleLayers, layerChoice: { content: o.content, style: o.style, preset: 'vgg-keras', reason: `reason of ${id}` } },
  } as unknown as RunOf<'style'>;
}

test('knownPreset: the newest run on the model says the preset; given lists are skipped; each kind from the newest that used it', () => {
  const runs = [
    run('old', '2024-01-01', { content: 'preset', style: 'preset', contentLayers: ['c-old'], styleLayers: ['s-old'] }),
    run('mid', '2024-01-02', { content: 'preset', style: 'given', contentLayers: ['c-mid'], styleLayers: ['mine'] }),
    run('new', '2024-01-03', { content: 'given', style: 'given', contentLayers: ['x'], styleLayers: ['y'] }),
    run('other', '2024-01-04', { modelId: 'm2', content: 'preset', style: 'preset', contentLayers: ['c2'], styleLayers: ['s2'] }),
  ];
  assert.deepEqual(knownPreset(runs, 'm1'), { content: ['c-mid'], style: ['s-old'], preset: 'vgg-keras', reason: 'reason of mid', runId: 'mid' });
  assert.deepEqual(knownPreset(runs, 'm2')?.style, ['s2']);
  assert.equal(knownPreset(runs, 'm3'), undefined);
  assert.equal(knownPreset(runs, undefined), undefined);
});

test('knownPreset: a feature inversion keeps one content layer and no style layers: not the whole preset', () => {
  const runs = [run('inv', '2024-01-05', { mode: 'inversion', content: 'preset', style: 'preset', contentLayers: ['c'], styleLayers: [] })];
  assert.equal(knownPreset(runs, 'm1'), undefined);
});
