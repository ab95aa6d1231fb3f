// Paths as capabilities: the rules (PathGrants), then the engine process as the bridge and Electron reach
// it (forked, requests over IPC, nothing granted unless the parent grants it).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { requestSchemas, type Channel } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { PathGrants, pathsOf } from './grants';
import { HostClient } from './testing/host-client';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-grants-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function codeOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof EngineError, String(e));
    return e.code;
  }
}

test('rules: granted files, the project folder, .fscope project files; relative paths never', () => {
  const g = new PathGrants();
  const labels = (p: string) => codeOf(() => g.check('model:setLabels', { modelId: 'm', source: { kind: 'path', path: p } }));
  assert.equal(labels('/etc/passwd'), 'not-granted');
  assert.equal(labels('labels.txt'), 'relative-path');
  assert.equal(labels('./../x.txt'), 'relative-path');
  g.grant('/home/you/labels.txt', 'read');
  assert.equal(labels('/home/you/labels.txt'), undefined);
  assert.equal(labels('/home/you/../you/labels.txt'), undefined, 'the same file, spelled another way');
  assert.equal(codeOf(() => g.check('dream:export', { runId: 'r', path: '/home/you/labels.txt' })), 'not-granted', 'a read grant is not a write grant');
  assert.equal(codeOf(() => g.check('model:setLabels', { modelId: 'm', source: { kind: 'upload', uploadId: 'abc.txt', name: 'l.txt' } })), undefined, 'uploads are checked by resolveSource');

  // the project's folder: its own files, read and (new) written; not its subfolders, dotfiles or links out
  const proj = path.join(tmp, 'proj');
  fs.mkdirSync(path.join(proj, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(proj, 'model.onnx'), 'x');
  fs.symlinkSync('/etc/passwd', path.join(proj, 'passwd-link.txt'));
  g.setProject(path.join(proj, 'study.fscope'));
  assert.equal(labels(path.join(proj, 'model.onnx')), undefined);
  assert.equal(codeOf(() => g.check('dream:export', { runId: 'r', path: path.join(proj, 'new.png') })), undefined);
  assert.equal(labels(path.join(proj, 'sub', 'x.txt')), 'not-granted');
  assert.equal(labels(path.join(proj, '.ssh')), 'not-granted');
  assert.equal(labels(path.join(proj, 'passwd-link.txt')), 'not-granted', 'a link in the folder leading out of it');
  assert.equal(codeOf(() => g.check('dream:export', { runId: 'r', path: '/tmp/evil.png' })), 'not-granted');
  g.setProject(null);
  assert.equal(labels(path.join(proj, 'model.onnx')), 'not-granted', 'closed: the folder is no longer granted');

  // project files: any .fscope (typed on the start screen), else only what a dialog granted
  assert.equal(codeOf(() => g.check('project:open', { path: '/etc/passwd' })), 'not-granted');
  assert.equal(codeOf(() => g.check('project:create', { path: 'rel.fscope' })), 'relative-path');
  assert.equal(codeOf(() => g.check('project:open', { path: path.join(tmp, 'a.fscope') })), undefined);

  // every path of a request: model shards, a dream's guide image
  assert.equal(codeOf(() => g.check('model:add', { source: { kind: 'upload', uploadId: 'a.json', name: 'model.json' }, shards: [{ kind: 'path', path: '/etc/shadow' }] })), 'not-granted');
  assert.equal(codeOf(() => g.check('run:dream', { modelId: 'm', photoId: 'p', settings: { guide: '/etc/passwd' } })), 'not-granted');
});

test('messages do not say whether an unrelated path exists', () => {
  const g = new PathGrants();
  const message = (p: string) => {
    try {
      g.check('photo:add', { source: { kind: 'path', path: p } });
      return '';
    } catch (e) {
      return (e as Error).message.replace(p, '<path>');
    }
  };
  assert.equal(message('/etc/passwd'), message('/no/such/file/anywhere.jpg'));
  assert.equal(message(tmp), message('/no/such/folder'));
});

let host: HostClient;
before(() => {
  host = new HostClient({ FEATURESCOPE_DATA_DIR: path.join(tmp, 'data') });
});
after(() => host?.stop());

test('over the wire: nothing is readable until the parent grants it; the page cannot grant itself', async () => {
  const file = path.join(tmp, 'wire', 'p.fscope');
  fs.mkdirSync(path.dirname(file));
  await host.call('project:create', { path: file });
  const labels = await host.raw('model:setLabels', { modelId: 'x', source: { kind: 'path', path: '/etc/passwd' } }, { grant: false });
  assert.equal(!labels.ok && labels.error.code, 'not-granted');
  assert.match(!labels.ok ? labels.error.message : '', /labels file "\/etc\/passwd" was not chosen/);
  const relative = await host.raw('photo:add', { source: { kind: 'path', path: 'dog.jpg' } }, { grant: false });
  assert.equal(!relative.ok && relative.error.code, 'relative-path');
  const exportOut = await host.raw('dream:export', { runId: 'r', path: '/tmp/overwritten.png', overwrite: true }, { grant: false });
  assert.equal(!exportOut.ok && exportOut.error.code, 'not-granted');

  // a file in the project's folder passes the gate (and is then judged as a photo)
  fs.writeFileSync(path.join(tmp, 'wire', 'notes.jpg'), 'not an image');
  const inFolder = await host.raw('photo:add', { source: { kind: 'path', path: path.join(tmp, 'wire', 'notes.jpg') } }, { grant: false });
  assert.notEqual(!inFolder.ok && inFolder.error.code, 'not-granted');
  // granted by the parent (as Electron main does after a dialog): then it reaches the handler
  const elsewhere = path.join(tmp, 'labels.txt');
  fs.writeFileSync(elsewhere, 'a\nb\n');
  assert.equal((await host.raw('model:setLabels', { modelId: 'x', source: { kind: 'path', path: elsewhere } }, { grant: false })).ok === false, true);
  await host.grant(elsewhere, 'read');
  const granted = await host.raw('model:setLabels', { modelId: 'x', source: { kind: 'path', path: elsewhere } }, { grant: false });
  assert.equal(!granted.ok && granted.error.code, 'no-such-item', 'past the gate: the model id is what is wrong now');
  await assert.rejects(host.grant('relative.txt', 'read'), /not an absolute path/);
});

test('every channel whose arguments carry a path or a file source is covered (a new one must be added to pathsOf)', () => {
  const pathKeys = ['path', 'source', 'shards', 'file', 'folder', 'dir'];
  const sample = { path: '/x', source: { kind: 'path', path: '/x' }, shards: [{ kind: 'path', path: '/x' }], file: '/x', folder: '/x', dir: '/x' };
  const uncovered = Object.entries(requestSchemas)
    .filter(([, schema]) => Object.keys((schema as unknown as { shape?: Record<string, unknown> }).shape ?? {}).some((k) => pathKeys.includes(k)))
    .filter(([channel]) => pathsOf(channel as Channel, sample).length === 0)
    .map(([channel]) => channel);
  assert.deepEqual(uncovered, []);
});
