// The bridge's engine process after a crash: SIGKILL of the engine → 'engine:process' down at once (the
// request in flight fails with engine-exit), a new engine with the project reopened before anything else,
// then up; the open project is kept in open-project.json (a new bridge reopens it) until a clean close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineProcess } from './engineProcess';

const entry = path.resolve(__dirname, '../main/engine/host/main.ts');
type Response = { ok: boolean; result?: unknown; error?: { code?: string } };

test('a killed engine is restarted at once with its project reopened; a new bridge reopens it too; a clean close forgets it', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-engproc-'));
  const env = { FEATURESCOPE_DATA_DIR: dir, FEATURESCOPE_NO_DEFAULT_MODEL: '1' };
  const engine = new EngineProcess({ entry, env, log: () => undefined });
  const events: { state: string; reason?: string }[] = [];
  engine.onEvent((e) => { if (e.event === 'engine:process') events.push(e.payload as { state: string; reason?: string }); });
  const ask = (channel: string, args: unknown) => new Promise<Response>((r) => engine.request(channel, args, r));
  const file = path.join(dir, 'p.fscope');
  try {
    const created = await ask('project:create', { path: file });
    assert.ok(created.ok, JSON.stringify(created.error));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'open-project.json'), 'utf8')), { project: file });

    const pid = engine.pid!;
    const inFlight = ask('engine:status', {});
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    assert.equal((await inFlight).error?.code, 'engine-exit');
    const upAt = await new Promise<number>((resolve) => {
      const t = setInterval(() => { if (events.some((e) => e.state === 'up' && events.indexOf(e) > events.findIndex((d) => d.state === 'down'))) { clearInterval(t); resolve(Date.now()); } }, 20);
    });
    const down = events.find((e) => e.state === 'down');
    assert.match(down?.reason ?? '', /SIGKILL/);
    assert.notEqual(engine.pid, pid, 'a new engine process');
    const state = await ask('project:state', {});
    assert.equal((state.result as { path?: string } | null)?.path, file, `the project was reopened (${upAt - killedAt} ms after the kill)`);
  } finally {
    await engine.close();
    // a bridge that was killed leaves open-project.json behind (this clean close removed it): the next one reopens it
    fs.writeFileSync(path.join(dir, 'open-project.json'), JSON.stringify({ project: file }));
    const again = new EngineProcess({ entry, env, log: () => undefined });
    const state = await new Promise<Response>((r) => again.request('project:state', {}, r));
    assert.equal((state.result as { path?: string } | null)?.path, file, 'a new bridge reopened it');
    await again.close();
    assert.equal(fs.existsSync(path.join(dir, 'open-project.json')), false, 'a clean close forgets it');
  }
});
