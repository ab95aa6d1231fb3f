// The PyTorch reference (../shared/peer, Debian's python3-torch under /usr/bin/python3) run by our
// benchmarks in the same run as our own numbers: whether it can run here, running one of its scripts
// into a scratch folder, reading its manifest, and the two things every comparison prints beside a
// ratio — the load average and the reference's own idle check (the share of the CPUs other processes
// used while it ran, measured by peer_common.Contention). These machines differ by 2× from day to day,
// so a ratio is only honest when both sides were measured back to back; nothing here holds a number.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineProcessEnv, hasEngineEnv } from '../../src/main/engine/runtime/process-env';

export const SHARED = path.resolve(__dirname, '../../../shared');
export const PEER_DIR = path.join(SHARED, 'peer');
/** Debian's interpreter: another python3 earlier on PATH may lack torch (peer/README.md). */
export const PYTHON = '/usr/bin/python3';

/** The 1-, 5- and 15-minute load averages, e.g. "1.52 1.40 1.33". */
export const load = (): string => os.loadavg().map((v) => v.toFixed(2)).join(' ');

/** One line on the machine, for a benchmark's header. */
export const machine = (): string => `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${load()}`;

/**
 * Run this benchmark again in the engine process's environment ([Note: huge pages] in
 * src/main/engine/runtime/process-env.ts) unless it is in it already: ours is measured as the app runs
 * it, and the reference, a child of this process, gets the same environment. Call first thing in main().
 */
export function inEngineEnv(): void {
  if (hasEngineEnv()) {
    if (process.env.FEATURESCOPE_BENCH_ENV_SAID === '0') {
      console.log(`# engine environment (the app's engine process has it too): GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES}; the reference runs with it as well`);
      process.env.FEATURESCOPE_BENCH_ENV_SAID = '1';
    }
    return;
  }
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...engineProcessEnv(), FEATURESCOPE_BENCH_ENV_SAID: '0' } });
  process.exit(r.status ?? 1);
}

/**
 * Why the reference cannot run here (so the comparison is skipped and said so), or undefined when
 * `script` exists and /usr/bin/python3 imports what the peer scripts need.
 */
export function referenceUnavailable(script: string, modules = ['torch', 'onnx', 'numpy', 'PIL']): string | undefined {
  const file = path.join(PEER_DIR, script);
  if (!fs.existsSync(file)) return `${file} is absent`;
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is absent`;
  try {
    execFileSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `PyTorch is not installed for ${PYTHON} (it cannot import ${modules.join(', ')}; apt-get install python3-torch python3-onnx python3-numpy python3-pil)`;
  }
}

/** A fresh scratch folder for the reference's outputs ($PEER_OUT): shared/ itself is read-only. */
export const scratch = (name: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `fs-bench-${name}-`));

/**
 * Runs peer/<script> with `args` and PEER_OUT=outDir. Its own lines go to our stdout, indented under
 * "reference |" so they read apart from ours; rejects naming the script and its exit code.
 */
export function runReference(script: string, args: string[], outDir: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const file = path.join(PEER_DIR, script);
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, [file, ...args], { env: { ...process.env, PEER_OUT: outDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => p.kill('SIGTERM'), opts.timeoutMs ?? 3 * 3600_000);
    let tail = '';
    const echo = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      process.stdout.write(text.replace(/^(?=.)/gm, '  reference | '));
    };
    p.stdout.on('data', echo);
    p.stderr.on('data', echo);
    p.on('error', (e) => { clearTimeout(timer); reject(new Error(`${file}: ${e.message}`)); });
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}; its last output:\n${tail}`));
    });
  });
}

/** The JSON a reference script wrote under outDir (e.g. 'deepdream/manifest.json', 'bench_step.json'). */
export function readReference<T>(outDir: string, rel: string): T {
  const file = path.join(outDir, rel);
  if (!fs.existsSync(file)) throw new Error(`the reference wrote no ${file}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The reference's idle check in words: other processes' share of the CPUs while it measured. */
export const idleCheck = (otherCpuFrac: number | undefined): string =>
  otherCpuFrac === undefined ? 'not recorded' : `${(100 * otherCpuFrac).toFixed(0)}% ${otherCpuFrac < 0.1 ? '(quiet)' : '(BUSY: torch slows 10–20× when another process holds a core)'}`;

/** ours / reference, or a dash when either side is missing. */
export const ratio = (ours: number | undefined, ref: number | undefined): string =>
  ours === undefined || ref === undefined || !Number.isFinite(ours) || !Number.isFinite(ref) || ref <= 0 ? '—' : `${(ours / ref).toFixed(2)}`;
