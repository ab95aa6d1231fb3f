// Tuning jobs through the real engine host (project file, engine worker, job runtime) on a hand-built
// vertical-edge detector: bad settings are refused before anything is queued; an orientation sweep is saved
// as a typed run with its stimuli strip and chart; a rotation sweep turns a project photo, a run's image
// (an artifact) and a dataset's photo, each recorded with the image's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunOf } from '../../../shared/contract';
import { preset } from '../../../shared/pixels';
import { encodeModel } from '../onnx/model';
import { encodePng } from '../image/image';
import { edgeModel, verticalEdge } from '../featurevis/testing';
import { inProcessHost } from '../host/testing/in-process-host';

/** a 64×64 grey PNG of f(x, y) in [0, 1] */
async function png(f: (x: number, y: number) => number): Promise<Uint8Array> {
  const data = new Float32Array(64 * 64 * 3);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) data.fill(255 * f(x, y), (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
  return encodePng({ width: 64, height: 64, data });
}

test('tuning jobs through the engine host', { timeout: 120_000 }, async () => {
  const { host, dir, doneOf, call } = await inProcessHost('fs-tuning-host-');
  try {
    fs.writeFileSync(path.join(dir, 'edges.onnx'), encodeModel(edgeModel(verticalEdge(5))));
    fs.writeFileSync(path.join(dir, 'edge.png'), await png((x) => (x < 32 ? 0.2 : 0.8)));
    fs.mkdirSync(path.join(dir, 'folder'));
    fs.writeFileSync(path.join(dir, 'folder', 'a.png'), await png((x) => (x < 32 ? 0.1 : 0.9)));
    await call('project:create', { path: path.join(dir, 't.fscope') });
    const model = await call('model:add', { source: { kind: 'path', path: path.join(dir, 'edges.onnx') } });
    await call('model:setPreprocess', { modelId: model.id, preprocess: preset('raw01', 64) });
    const photo = await call('photo:add', { source: { kind: 'path', path: path.join(dir, 'edge.png') } });
    const start = (settings: Record<string, unknown>, photoId?: string) =>
      call('job:start', { kind: 'tuning', modelId: model.id, ...(photoId ? { photoId } : {}), settings });

    for (const [settings, message] of [
      [{ layer: 'edges', channel: 3, stimulus: 'orientation' }, /channel: 3 is out of range; "edges" has 3 channels/],
      [{ layer: 'pooled', channel: 0, stimulus: 'orientation' }, /layer: .*not (a )?spatial/],
      [{ layer: 'edges', channel: 0, stimulus: 'rotate' }, /rotate: give the image/],
      [{ layer: 'edges', channel: 0, stimulus: 'wobble' }, /tuning settings: stimulus/],
    ] as const) await assert.rejects(start(settings), message);
    assert.deepEqual(await call('job:list', {}), [], 'nothing was queued');

    const job = await start({ layer: 'edges', channel: 0, stimulus: 'orientation', size: 24, steps: 24 });
    const done = await doneOf(job.id);
    assert.equal(done.job.state, 'done', done.job.error);
    const run = done.run as RunOf<'tuning'>;
    assert.equal(run.kind, 'tuning');
    assert.deepEqual([run.settings.size, run.settings.position, run.settings.centre], [24, { x: 30, y: 30 }, { x: 32, y: 32 }]);
    assert.deepEqual([run.result.peak.series, run.result.peak.x], ['edge', 0]);
    assert.deepEqual(run.artifacts.map((a) => a.name), ['stimuli.png', 'curve.png']);

    // rotations: the project photo, the run's chart as an image artifact, a dataset's photo
    const ds = await call('dataset:add', { path: path.join(dir, 'folder') });
    const dsPhoto = (await call('dataset:photos', { datasetId: ds.id, offset: 0, limit: 10, unreadable: false })).photos[0]!;
    const chart = run.artifacts.find((a) => a.name === 'curve.png')!;
    for (const [settings, photoId, name] of [
      [{}, photo.id, 'edge.png'],
      [{ source: { runId: run.id, artifactId: chart.id } }, undefined, 'curve.png'],
      [{ source: { datasetId: ds.id, photoId: dsPhoto.id } }, undefined, 'a.png'],
    ] as const) {
      const j = await start({ layer: 'edges', channel: 0, stimulus: 'rotate', steps: 8, ...settings }, photoId);
      const d = await doneOf(j.id);
      assert.equal(d.job.state, 'done', d.job.error);
      const r = d.run as RunOf<'tuning'>;
      assert.equal(r.settings.sourceName, name);
      assert.deepEqual(r.result.x.values, [0, 45, 90, 135, 180, 225, 270, 315]);
      if (name !== 'curve.png') assert.equal(r.result.peak.x, 0, `${name}: the edge's own angle gives the peak`);
    }
    await assert.rejects(start({ layer: 'edges', channel: 0, stimulus: 'rotate', source: { runId: 'other', artifactId: chart.id } }), /source: artifact .* belongs to run/);
  } finally {
    await host.dispose();
  }
});
