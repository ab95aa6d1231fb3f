// WebSocket-frame cases (oversize, invalid UTF-8, binary where text is expected, floods): the table of
// src/bridge/frame-cases.ts, each run against one real bridge (with its own forked engine) started by the
// first case and closed after the last. A case's answer becomes an error the runner checks: a closed socket
// as code `ws-close-<code>` with its reason, an error reply with the reply's own code and message.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FRAME_CASES as BRIDGE_FRAME_CASES, runFrameCase, type FrameCase } from '../../src/bridge/frame-cases';
import { startBridge, type Bridge } from '../../src/bridge/server';
import WebSocket from 'ws';
import type { HostileCase } from './case';

let bridge: Promise<{ bridge: Bridge; dir: string }> | null = null;

function sharedBridge(): Promise<{ bridge: Bridge; dir: string }> {
  bridge ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-hostile-bridge-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>hostile frames</title>');
    const b = await startBridge({
      rendererDir: dir,
      hostEntry: path.resolve(__dirname, '../../src/main/engine/host/main.ts'),
      engineEnv: { FEATURESCOPE_DATA_DIR: path.join(dir, 'data'), FEATURESCOPE_NO_DEFAULT_MODEL: '1' },
    });
    return { bridge: b, dir };
  })();
  return bridge;
}

async function closeBridge(): Promise<void> {
  if (!bridge) return;
  const { bridge: b, dir } = await bridge;
  bridge = null;
  await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** engine:status over a fresh socket: the bridge and the engine behind it both answer. */
function engineStatus(b: Bridge): Promise<{ ok?: boolean }> {
  const ws = new WebSocket(`ws://127.0.0.1:${b.port}/ws`, { headers: { 'x-featurescope-token': b.token } });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'request', id: 1, channel: 'engine:status', args: {} })));
    // events (engine:status, …) may come first: wait for the response
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type?: string; ok?: boolean };
      if (m.type === 'response') (ws.close(), resolve(m));
    });
  });
}

function asCase(c: FrameCase, last: boolean): HostileCase {
  const expect = c.expect;
  return {
    name: c.name,
    kind: 'frame',
    async run() {
      const { bridge: b } = await sharedBridge();
      let got, alive;
      try {
        got = await runFrameCase(`ws://127.0.0.1:${b.port}/ws`, { 'x-featurescope-token': b.token }, c);
        // the bridge and its engine still answer a plain request after the hostile frame
        alive = await engineStatus(b);
      } finally {
        // the last case closes the bridge whatever happened (an open engine process would keep the run alive)
        if (last) await closeBridge();
      }
      if (!alive.ok) throw Object.assign(new Error(`the bridge no longer answers after "${c.name}": ${JSON.stringify(alive)}`), { code: 'bridge-dead' });
      if (got.close) throw Object.assign(new Error(`socket closed ${got.close.code}: ${got.close.reason || '(no reason)'}`), { code: `ws-close-${got.close.code}` });
      if (got.reply) throw Object.assign(new Error(got.reply.message), { code: got.reply.code });
      return got;
    },
    error: 'close' in expect
      ? { code: `ws-close-${expect.close}`, message: expect.reason ?? /socket closed/ }
      : { code: expect.reply, message: expect.message ?? /./ },
  };
}

export const FRAME_CASES: HostileCase[] = BRIDGE_FRAME_CASES.map((c, i) => asCase(c, i === BRIDGE_FRAME_CASES.length - 1));
