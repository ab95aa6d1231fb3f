// Crash safety: `featurescope index` (the engine, in its own process) is killed with SIGKILL mid-index; the
// project file reopens intact, holds exactly the batches that finished (statistics, features and indexed
// photos agree), and indexing again goes on from there to the very same index an uninterrupted run makes —
// byte for byte, so nothing was counted twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { DatasetStore } from '../../store/dataset';
import { ProjectStore } from '../../store/project';
import { JobControl } from '../jobs/control';
import { loadModelFile } from '../onnx/inspect';
import { indexLocally, openLocalDataset } from './local';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const SHARED = path.resolve(ROOT, '..', 'shared');
const GOOGLENET = path.join(SHARED, 'models', 'bvlc_googlenet.onnx');
const skip = !fs.existsSync(GOOGLENET) && `${GOOGLENET} not found (../shared is absent)`;
const LAYER = 'inception_4c/output';
const SETTINGS = { layers: [LAYER], k: 4, bins: 16, batch: 1 };

function count(file: string): number {
  if (!fs.existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 2000 });
    try {
      const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'dataset_index_photos'").get();
      return has ? (db.prepare('SELECT count(*) AS n FROM dataset_index_photos').get() as { n: number }).n : 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

function layerBlob(file: string): { blob: Buffer; photos: number[]; features: number } {
  return DatasetStore.with(file, (ds) => {
    const [info] = ds.datasets();
    const idx = info!.indexes[0]!;
    return {
      blob: ds.layer(idx.id, LAYER).stats!, photos: ds.indexedPhotoIds(idx.id),
      features: [...ds.features(idx.id, LAYER)].length,
    };
  });
}

test('killing the indexing engine mid-index leaves an intact index that resumes to exactly the uninterrupted result', { skip, timeout: 180_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-crash-'));
  try {
    const folder = path.join(tmp, 'photos');
    fs.mkdirSync(folder);
    for (const sub of ['content', 'style']) for (const f of fs.readdirSync(path.join(SHARED, 'images', sub))) fs.copyFileSync(path.join(SHARED, 'images', sub, f), path.join(folder, f));
    const n = fs.readdirSync(folder).length;
    const crashed = path.join(tmp, 'crashed.fscope');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), 'index', folder, '--model', GOOGLENET, '--project', crashed,
      '--layers', LAYER, '-k', '4', '--bins', '16', '--batch', '1', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += String(b)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let atKill = 0;
    for (;;) {
      atKill = count(crashed);
      if (atKill >= 2 || child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 30));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(atKill >= 2 && atKill < n, `killed after ${atKill} of ${n} photos (stderr: ${stderr.slice(-500)})`);

    // reopen: the file is intact and consistent with itself
    const store = ProjectStore.open(crashed);
    store.close();
    const db = new Database(crashed, { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
    const mid = layerBlob(crashed);
    const kept = mid.photos.length;
    assert.ok(kept >= atKill && kept < n, `${kept} photos kept`);
    assert.equal(mid.features, kept, 'one pooled vector per indexed photo');
    assert.equal(new Float64Array(new Uint8Array(mid.blob.subarray(mid.blob.length - 8)).buffer)[0], kept, 'the statistics count exactly the indexed photos');

    // resume in this process
    const lm = loadModelFile(GOOGLENET);
    const d = await openLocalDataset({ folder, lm, project: crashed, create: true });
    let resumed;
    try {
      resumed = await indexLocally(d, lm, SETTINGS, new JobControl());
    } finally {
      d.close();
    }
    assert.equal(resumed.output.indexedNow, n - kept, 'only the photos not indexed before');
    assert.equal(resumed.output.indexed, n);

    // the same index made in one go
    const straight = path.join(tmp, 'straight.fscope');
    const s = await openLocalDataset({ folder, lm, project: straight, create: true });
    try {
      await indexLocally(s, lm, SETTINGS, new JobControl());
    } finally {
      s.close();
    }
    const a = layerBlob(crashed), b = layerBlob(straight);
    assert.deepEqual(a.photos, b.photos);
    assert.equal(a.features, n);
    assert.ok(a.blob.equals(b.blob), 'the resumed index is byte for byte the uninterrupted one');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
