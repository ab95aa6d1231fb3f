import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { ProjectStore, ProjectError } from './project';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, migrate } from './schema';
import { listRecent, rememberRecent } from './recent';
import { preset } from '../../shared/pixels';
import type { ModelDescription } from '../../shared/contract';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-store-'));

const description = { fileName: 'm.onnx', fileSize: 3, sha256: 'abc', layers: [{ name: 'conv1', opType: 'Conv', nodeName: 'c', shape: [1, 8, 4, 4], preActivation: true, order: 0 }] } as unknown as ModelDescription;

export const CLASSIFY_SETTINGS = { top: 5, output: 'prob', preprocess: preset('caffe'), input: 'data', dims: [1, 3, 224, 224] };
export const CLASSIFY_RESULT = { top: [{ index: 207, label: 'golden retriever', probability: 0.9 }], appliedSoftmax: false, timings: { preprocessMs: 1, sessionMs: 0, runMs: 2 } };

function fill(s: ProjectStore) {
  const m = s.addModel({ name: 'm.onnx', path: '/x/m.onnx', sha256: 'abc', description, preprocess: preset('caffe') }, new Uint8Array([1, 2, 3]));
  const p = s.addPhoto({ name: 'dog.jpg', mime: 'image/jpeg', width: 4, height: 3, sha256: 'def' }, new Uint8Array([9, 8, 7, 6]));
  const r = s.addRun(
    { kind: 'classify', modelId: m.id, photoId: p.id, settings: CLASSIFY_SETTINGS, result: CLASSIFY_RESULT, status: 'done', provider: 'cpu', durationMs: 12.5 },
    [{ name: 'grid.png', mime: 'image/png', bytes: new Uint8Array([0x89, 0x50]) }],
  );
  s.setModelLabels(m.id, ['a', 'b']);
  s.saveView({ tab: 'layers', layer: 'conv1' });
  return { m, p, r };
}

test('create, write, close, copy the ONE file elsewhere, open the copy: everything is there', () => {
  const dir = tmp();
  const file = path.join(dir, 'a.fscope');
  const s = ProjectStore.create(file);
  const { m, p, r } = fill(s);
  // WAL mode is on while open (side files exist)…
  assert.equal(fs.existsSync(`${file}-wal`), true);
  s.close();
  // …and closing folds them back in.
  assert.equal(fs.existsSync(`${file}-wal`), false);
  const copy = path.join(tmp(), 'copied.fscope');
  fs.copyFileSync(file, copy);
  fs.rmSync(dir, { recursive: true });
  const o = ProjectStore.open(copy);
  const st = o.state();
  assert.equal(st.name, 'a');
  assert.equal(st.models[0]!.id, m.id);
  assert.deepEqual(st.models[0]!.labels, ['a', 'b']);
  assert.equal(st.models[0]!.embedded, true);
  assert.deepEqual([...o.modelBytes(m.id)!], [1, 2, 3]);
  assert.equal(st.models[0]!.preprocess.preset, 'caffe');
  assert.equal(st.models[0]!.description.layers[0]!.name, 'conv1');
  assert.deepEqual([...o.photoBytes(p.id)], [9, 8, 7, 6]);
  assert.equal(st.runs[0]!.id, r.id);
  assert.deepEqual(st.runs[0]!.result, CLASSIFY_RESULT);
  assert.equal(st.runs[0]!.artifacts[0]!.name, 'grid.png');
  assert.deepEqual([...o.artifact(st.runs[0]!.artifacts[0]!.id).bytes], [0x89, 0x50]);
  assert.deepEqual(st.view, { tab: 'layers', layer: 'conv1' });
  o.close();
});

test('removing a model removes its runs and artifacts; removing a photo removes its runs', () => {
  const s = ProjectStore.create(path.join(tmp(), 'b.fscope'));
  const { m, p, r } = fill(s);
  const artifactId = s.run(r.id).artifacts[0]!.id;
  s.removePhoto(p.id);
  assert.equal(s.state().runs.length, 0);
  assert.throws(() => s.artifact(artifactId), (e: ProjectError) => e.code === 'no-such-item');
  s.removeModel(m.id);
  assert.equal(s.state().models.length, 0);
  assert.throws(() => s.model(m.id), /No model with id/);
  s.close();
});

test('create refuses to overwrite an existing file', () => {
  const file = path.join(tmp(), 'c.fscope');
  fs.writeFileSync(file, 'precious');
  assert.throws(() => ProjectStore.create(file), (e: ProjectError) => e.code === 'exists');
  assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
});

test('opening a file that is not a project gives a clear error and changes nothing', () => {
  const dir = tmp();
  const text = path.join(dir, 'notes.fscope');
  fs.writeFileSync(text, 'just some text, not sqlite at all '.repeat(50));
  const before = fs.readFileSync(text);
  assert.throws(() => ProjectStore.open(text), (e: ProjectError) => e.code === 'not-sqlite' && /notes\.fscope is not a Featurescope project/.test(e.message));
  assert.deepEqual(fs.readFileSync(text), before);
  assert.deepEqual(fs.readdirSync(dir), ['notes.fscope']);

  const other = path.join(dir, 'other.db');
  const db = new Database(other);
  db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1);');
  db.close();
  const otherBefore = fs.readFileSync(other);
  assert.throws(() => ProjectStore.open(other), (e: ProjectError) => e.code === 'not-a-project' && /made by another program/.test(e.message));
  assert.deepEqual(fs.readFileSync(other), otherBefore);

  assert.throws(() => ProjectStore.open(path.join(dir, 'missing.fscope')), (e: ProjectError) => e.code === 'not-found');
  assert.throws(() => ProjectStore.open(dir), (e: ProjectError) => e.code === 'is-directory');
});

test('a project from a newer Featurescope is refused unchanged', () => {
  const file = path.join(tmp(), 'new.fscope');
  ProjectStore.create(file).close();
  const db = new Database(file);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const before = fs.readFileSync(file);
  assert.throws(() => ProjectStore.open(file), (e: ProjectError) => e.code === 'newer-version' && new RegExp(`format ${SCHEMA_VERSION + 1}`).test(e.message));
  assert.deepEqual(fs.readFileSync(file), before);
});

test('migration: a version-1 file with a view in meta opens as the current version, data kept', () => {
  assert.ok(MIGRATIONS.length >= 2, 'this test needs a migration after version 1');
  const file = path.join(tmp(), 'v1.fscope');
  const db = new Database(file);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  migrate(db, 1);
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)').run('name', 'old one');
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)').run('view', JSON.stringify({ tab: 'photos' }));
  db.close();
  const s = ProjectStore.open(file);
  assert.equal(s.name, 'old one');
  assert.deepEqual(s.view(), { tab: 'photos' });
  s.close();
  const check = new Database(file, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  check.close();
});

test('recent projects live in FEATURESCOPE_DATA_DIR, newest first, without duplicates', () => {
  const data = tmp();
  const old = process.env.FEATURESCOPE_DATA_DIR;
  process.env.FEATURESCOPE_DATA_DIR = data;
  try {
    const a = path.join(data, 'a.fscope');
    fs.writeFileSync(a, '');
    rememberRecent(a, 'a');
    rememberRecent('/nowhere/b.fscope', 'b');
    rememberRecent(a, 'a');
    const list = listRecent();
    assert.deepEqual(list.map((r) => [r.name, r.exists]), [['a', true], ['b', false]]);
    assert.ok(fs.existsSync(path.join(data, 'recent.json')));
    fs.writeFileSync(path.join(data, 'recent.json'), '{broken');
    assert.deepEqual(listRecent(), []);
  } finally {
    if (old === undefined) delete process.env.FEATURESCOPE_DATA_DIR;
    else process.env.FEATURESCOPE_DATA_DIR = old;
  }
});
