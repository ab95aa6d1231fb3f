// Typed run records in the project file ([Note: typed runs] in src/shared/jobs/runs.ts): rows written by
// Featurescope 0.1 (project format 2, no record versions) open typed; rows this version cannot read are
// listed, kept and never rewritten; a record that does not match its kind's schema is refused before the write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { ProjectStore } from './project';
import { APPLICATION_ID, migrate } from './schema';
import { RUN_KINDS } from '../../shared/jobs/runs';

const caffe = { preset: 'caffe', channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [104, 117, 123], std: [1, 1, 1], width: 224, height: 224, layout: 'NCHW', resize: 'stretch' };

/** Settings and results exactly as the 0.1 engine host wrote them (host.ts, host/dream.ts, host/attribution.ts). */
const LEGACY = {
  classify: {
    settings: { top: 5, output: 'prob', preprocess: caffe, input: 'data', dims: [1, 3, 224, 224] },
    result: { top: [{ index: 207, label: 'golden retriever', probability: 0.93 }], appliedSoftmax: false, timings: { preprocessMs: 3, sessionMs: 40, runMs: 12 } },
  },
  activations: {
    settings: { layer: 'conv1/7x7_s2', maxChannels: 64, preprocess: caffe, input: 'data', dims: [1, 3, 224, 224] },
    result: {
      layer: 'conv1/7x7_s2', shape: [1, 64, 112, 112], channels: [{ channel: 3, mean: 1.5, max: 9 }],
      grid: { cols: 8, rows: 8, cell: { width: 112, height: 112 }, gap: 2, width: 910, height: 910 }, timings: { preprocessMs: 3, sessionMs: 0, runMs: 10 },
    },
  },
  dream: {
    settings: {
      layers: [{ name: 'inception_4c/output', weight: 1 }], octaves: 4, octaveScale: 1.4, iterations: 10, step: 1.5, jitter: 32, seed: 7,
      guideSize: 224, tileSize: 512, tileMargin: 64, maxWholePixels: 1048576, tileShift: true, preprocess: caffe,
    },
    result: {
      status: 'done', width: 640, height: 480, seed: 7, stepsDone: 40, objective: { kind: 'deepdream', layer: 'inception_4c/output' },
      objectiveBefore: 1.2, objectiveAfter: 11.4, modelSha256: 'abc', field: 379, stride: 16,
      timings: { totalMs: 4000, sessionMs: 300, octaves: [{ width: 640, height: 480, tiles: 1, ms: 2000, sessionMs: 100 }] },
    },
  },
  attribution: {
    settings: { attribution: { method: 'ig', target: { kind: 'class', index: 207, label: 'golden retriever' }, batchSize: 8, seed: 0, steps: 32, baseline: 'black', blurSigma: 10, integration: 'gausslegendre' }, preprocess: caffe, input: 'data', dims: [1, 3, 224, 224] },
    result: {
      method: 'ig', target: { kind: 'class', index: 207, label: 'golden retriever' }, targetText: 'class 207 (golden retriever)', targetScore: 21.5, shape: [1, 3, 224, 224],
      completeness: { attributionSum: 20, scoreDelta: 21, baselineScore: 0.5, relativeError: 0.05 }, signMode: 'all', timings: { totalMs: 1500, prepareMs: 300, runMs: 1100, passes: 35 },
    },
  },
} as const;

/** A project file as Featurescope 0.1 left it: format 2, one run of each kind, plus rows no version can read. */
function legacyProject(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-runs-')), 'old.fscope');
  const db = new Database(file);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  migrate(db, 2);
  db.prepare("INSERT INTO models(id, name, path, sha256, bytes, preprocess, labels, description, added_at) VALUES ('m1', 'g.onnx', '/x/g.onnx', 'abc', NULL, ?, NULL, '{}', '2026-01-01T00:00:00Z')").run(JSON.stringify(caffe));
  db.prepare("INSERT INTO photos(id, name, mime, width, height, sha256, bytes, added_at) VALUES ('p1', 'dog.jpg', 'image/jpeg', 4, 3, 'def', x'00', '2026-01-01T00:00:00Z')").run();
  const insert = db.prepare("INSERT INTO runs(id, kind, model_id, photo_id, settings, result, status, provider, duration_ms, created_at) VALUES (?, ?, 'm1', 'p1', ?, ?, 'done', 'cpu', 10, ?)");
  let t = 0;
  for (const [kind, doc] of Object.entries(LEGACY)) insert.run(`r_${kind}`, kind, JSON.stringify(doc.settings), JSON.stringify(doc.result), `2026-01-01T00:00:0${t++}Z`);
  insert.run('r_alien', 'hologram', '{}', '{}', '2026-01-01T00:00:08Z');
  insert.run('r_broken', 'dream', '{"layers": 3}', '{}', '2026-01-01T00:00:09Z');
  db.close();
  return file;
}

test('a format-2 project opens with every 0.1 run typed; unreadable rows are listed and kept as they were', () => {
  const file = legacyProject();
  const s = ProjectStore.open(file);
  const st = s.state();
  assert.deepEqual(st.runs.map((r) => r.kind), ['classify', 'activations', 'dream', 'attribution']);
  for (const r of st.runs) {
    // typed access, narrowed by kind: no casts
    if (r.kind === 'dream') assert.equal(r.result.objective.kind, 'deepdream');
    if (r.kind === 'attribution') assert.equal(r.settings.attribution.method, 'ig');
    if (r.kind === 'classify') assert.equal(r.result.top[0]!.label, 'golden retriever');
    if (r.kind === 'activations') assert.equal(r.result.grid.cols, 8);
  }
  assert.deepEqual(st.unreadableRuns?.map((u) => u.id), ['r_alien', 'r_broken']);
  assert.match(st.unreadableRuns![0]!.reason, /run kind "hologram" is not known/);
  assert.match(st.unreadableRuns![1]!.reason, /dream run settings layers/);
  s.close();
  // Opening upgraded the file format, not the rows: they keep their stored documents and version 0.
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT id, schema_version, settings FROM runs ORDER BY id').all() as { id: string; schema_version: number; settings: string }[];
  assert.ok(rows.every((r) => r.schema_version === 0));
  assert.equal(rows.find((r) => r.id === 'r_broken')!.settings, '{"layers": 3}');
  db.close();
});

test('new runs are stored at their kind\'s current record version; a run from a newer version is listed, not guessed', () => {
  const file = legacyProject();
  const s = ProjectStore.open(file);
  const run = s.addRun({ kind: 'classify', modelId: 'm1', photoId: 'p1', settings: LEGACY.classify.settings as never, result: LEGACY.classify.result as never, status: 'done', provider: 'cpu', durationMs: 1 });
  s.close();
  const db = new Database(file);
  assert.equal((db.prepare('SELECT schema_version FROM runs WHERE id = ?').get(run.id) as { schema_version: number }).schema_version, RUN_KINDS.classify.version);
  db.prepare('UPDATE runs SET schema_version = 99 WHERE id = ?').run('r_dream');
  db.close();
  const again = ProjectStore.open(file);
  const u = again.state().unreadableRuns!.find((x) => x.id === 'r_dream');
  assert.match(u!.reason, /record version 99 was written by a newer Featurescope/);
  again.close();
});

test('a run that does not match its kind\'s schema is refused before anything is written', () => {
  const s = ProjectStore.open(legacyProject());
  const before = s.state().runs.length;
  assert.throws(
    () => s.addRun({ kind: 'dream', modelId: 'm1', photoId: 'p1', settings: LEGACY.dream.settings as never, result: { ...LEGACY.dream.result, width: 'wide' } as never, status: 'done', provider: 'cpu', durationMs: 1 }, [{ name: 'dream.png', mime: 'image/png', bytes: new Uint8Array([1]) }]),
    /dream run result width/,
  );
  assert.equal(s.state().runs.length, before);
  s.close();
});
