import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireMessage } from './contract';
import { createContractClient, EngineError } from './contract-client';

type Request = Extract<WireMessage, { type: 'request' }>;

test('requests made before the transport is up go out on connect, in order, and settle by id', async () => {
  const client = createContractClient();
  const sent: Request[] = [];
  const a = client.invoke('project:recent', {});
  const b = client.invoke('job:list', {});
  client.connect((msg) => sent.push(msg as Request));
  assert.deepEqual(sent.map((m) => m.channel), ['project:recent', 'job:list']);
  const c = client.invoke('engine:status', {});
  assert.equal(sent.length, 3, 'once connected, a request goes out at once');
  // answered out of order: each promise gets its own result
  client.receive({ type: 'response', id: sent[1]!.id, ok: true, result: ['job'] });
  client.receive({ type: 'response', id: sent[0]!.id, ok: true, result: ['recent'] });
  client.receive({ type: 'response', id: sent[2]!.id, ok: false, error: { message: 'no engine', code: 'E_NONE' } });
  assert.deepEqual(await a, ['recent']);
  assert.deepEqual(await b, ['job']);
  await assert.rejects(c, (e: unknown) => e instanceof EngineError && e.message === 'no engine' && e.code === 'E_NONE');
});

test('events reach their listeners until they unsubscribe; responses nobody waits for are ignored', () => {
  const client = createContractClient();
  const seen: unknown[] = [];
  const off = client.on('job:update', (p) => seen.push(p));
  client.on('engine:status', () => seen.push('wrong event'));
  client.receive({ type: 'event', event: 'job:update', payload: 1 } as WireMessage);
  client.receive({ type: 'response', id: 999, ok: true, result: null });
  off();
  client.receive({ type: 'event', event: 'job:update', payload: 2 } as WireMessage);
  assert.deepEqual(seen, [1]);
});

test('disconnect fails every unanswered request, sent or queued, and none of them is sent later', async () => {
  const client = createContractClient();
  const queued = client.invoke('job:list', {});
  client.disconnect((channel) => new Error(`lost during ${channel}`));
  await assert.rejects(queued, /lost during job:list/);

  const sent: Request[] = [];
  client.connect((msg) => sent.push(msg as Request));
  assert.equal(sent.length, 0, 'a failed request is not replayed on reconnect');
  const inFlight = client.invoke('engine:status', {});
  client.disconnect((channel) => new Error(`lost during ${channel}`));
  await assert.rejects(inFlight, /lost during engine:status/);

  const later = client.invoke('project:recent', {});
  client.connect((msg) => sent.push(msg as Request));
  assert.deepEqual(sent.map((m) => m.channel), ['engine:status', 'project:recent']);
  client.receive({ type: 'response', id: sent[1]!.id, ok: true, result: [] });
  assert.deepEqual(await later, []);
});

test('a message the transport cannot send fails only its own request', async () => {
  const client = createContractClient();
  const bad = client.invoke('job:list', {});
  const good = client.invoke('project:recent', {});
  const sent: Request[] = [];
  client.connect((msg) => {
    if (msg.type === 'request' && msg.channel === 'job:list') throw new TypeError('cannot encode');
    sent.push(msg as Request);
  });
  await assert.rejects(bad, /cannot encode/);
  client.receive({ type: 'response', id: sent[0]!.id, ok: true, result: [] });
  assert.deepEqual(await good, []);
});

test('every request carries its own request id; one whose engine died is sent once more with the same ids', async () => {
  const client = createContractClient();
  const sent: Request[] = [];
  client.connect((msg) => sent.push(msg as Request));
  const a = client.invoke('photo:remove', { photoId: 'p1' });
  const b = client.invoke('photo:remove', { photoId: 'p2' });
  assert.ok(sent[0]!.rid && sent[1]!.rid && sent[0]!.rid !== sent[1]!.rid, 'distinct request ids');
  client.receive({ type: 'response', id: sent[0]!.id, ok: false, error: { message: 'engine process exited (signal SIGKILL)', code: 'engine-exit' } });
  assert.equal(sent.length, 3, 'sent again');
  assert.deepEqual([sent[2]!.id, sent[2]!.rid], [sent[0]!.id, sent[0]!.rid], 'with the same id and request id');
  client.receive({ type: 'response', id: sent[2]!.id, ok: false, error: { message: 'engine process exited (code 1)', code: 'engine-exit' } });
  await assert.rejects(a, (e: unknown) => e instanceof EngineError && e.code === 'engine-exit', 'only once');
  client.receive({ type: 'response', id: sent[1]!.id, ok: true, result: null });
  assert.equal(await b, null);
});
