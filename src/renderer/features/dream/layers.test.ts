// The Dream tab names its default layer before the run: it must be the layer the engine would pick.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { ModelRecord } from '../../../shared/contract';
import { loadModelFile, open } from '../../../main/engine/onnx/inspect';
import { defaultDreamLayer as engineDefault } from '../../../main/engine/dream/objective';
import { defaultDreamLayer, dreamLayerFor } from './layers';

const models = resolve(__dirname, '../../../../../shared/models');

for (const file of ['bvlc_googlenet.onnx', 'squeezenet1.1.onnx']) {
  const path = join(models, file);
  test(`the named default dream layer of ${file} is the engine's`, { skip: existsSync(path) ? false : `${path} is missing` }, async () => {
    const d = await open(path);
    const lm = loadModelFile(path);
    assert.equal(defaultDreamLayer(d.layers), engineDefault(lm.model, d.imageInput));
  });
}

test('a selected feature map is used; a vector or another model\'s layer falls back to the named default', () => {
  const layer = (name: string, opType: string, shape: number[], order: number) => ({ name, opType, nodeName: name, shape, preActivation: false, order });
  const model = {
    id: 'm', name: 'tiny',
    description: { layers: [layer('a', 'Relu', [1, 8, 16, 16], 0), layer('b', 'Relu', [1, 8, 8, 8], 1), layer('c', 'Relu', [1, 8, 4, 4], 2), layer('fc', 'Gemm', [1, 10], 3)] },
  } as unknown as ModelRecord;
  assert.deepEqual(dreamLayerFor(model, 'a'), { layer: 'a', isDefault: false });
  const vec = dreamLayerFor(model, 'fc');
  assert.equal(vec.layer, 'b');
  assert.equal(vec.isDefault, true);
  assert.match(vec.note ?? '', /fc is not a feature map/);
  assert.deepEqual(dreamLayerFor(model, 'fire9/concat'), { layer: 'b', isDefault: true });
  assert.deepEqual(dreamLayerFor(undefined, 'a'), { layer: null, isDefault: false });
});
