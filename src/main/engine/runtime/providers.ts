// Execution providers: which ones this onnxruntime-node build offers, and turning a setting
// (auto | cuda | dml | coreml | webgpu | cpu) into the provider actually used, with ONE plain-words
// reason when we had to fall back to CPU.
import * as ort from 'onnxruntime-node';
import type { EngineStatus, ExecutionProviderName, ProviderSetting } from '../../../shared/contract';
import { encodeModel } from '../onnx/model';

export const PROVIDER_NAMES: ExecutionProviderName[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'];

export const PROVIDER_LABEL: Record<ExecutionProviderName, string> = {
  cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML', webgpu: 'WebGPU', cpu: 'CPU',
};

/** Providers onnxruntime-node says it has, restricted to the ones it ships (`bundled`). */
export function listedProviders(): { name: ExecutionProviderName; bundled: boolean }[] {
  const out: { name: ExecutionProviderName; bundled: boolean }[] = [];
  for (const b of ort.listSupportedBackends()) {
    if ((PROVIDER_NAMES as string[]).includes(b.name)) out.push({ name: b.name as ExecutionProviderName, bundled: b.bundled });
  }
  if (!out.some((p) => p.name === 'cpu')) out.push({ name: 'cpu', bundled: true });
  return out;
}

/** What `auto` tries, in order, on this OS. WebGPU is left out: without a GPU it can pick a slow software adapter. */
function autoOrder(): ExecutionProviderName[] {
  if (process.platform === 'win32') return ['dml', 'cuda'];
  if (process.platform === 'darwin') return ['coreml'];
  return ['cuda'];
}

/** A one-node model (Relu) used to find out whether a provider really starts on this machine. */
let probeBytes: Uint8Array | undefined;
function probeModel(): Uint8Array {
  probeBytes ??= encodeModel({
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'featurescope-probe', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'probe', nodes: [{ name: 'relu', opType: 'Relu', domain: '', inputs: ['x'], outputs: ['y'], attrs: {} }], initializers: [],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }], valueInfo: [],
    },
  });
  return probeBytes;
}

/** Quiet: ORT prints provider-loading failures to stderr; we report them in our own words instead. */
export const QUIET: ort.InferenceSession.SessionOptions = { logSeverityLevel: 4 };
// onnxruntime's process-wide logger: only fatal errors (it otherwise prints every failed provider load).
ort.env.logLevel = 'fatal';

const probeCache = new Map<ExecutionProviderName, string | null>();

/** null when the provider starts and runs a tiny model, else ORT's reason. Cached per process. */
export async function probeProvider(p: ExecutionProviderName): Promise<string | null> {
  if (probeCache.has(p)) return probeCache.get(p)!;
  let err: string | null = null;
  if (!listedProviders().some((b) => b.name === p)) {
    err = 'not in this build';
  } else {
    try {
      const s = await ort.InferenceSession.create(probeModel(), { ...QUIET, executionProviders: [p] });
      await s.run({ x: new ort.Tensor('float32', new Float32Array([-1, 0, 1, 2]), [1, 4]) });
      await s.release();
    } catch (e) {
      err = firstLine((e as Error).message);
    }
  }
  probeCache.set(p, err);
  return err;
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** Plain words for "provider p could not be used because <err>". */
export function fallbackWords(p: ExecutionProviderName, err: string): string {
  const label = PROVIDER_LABEL[p];
  if (err === 'not in this build' || /backend not found/i.test(err)) {
    return `${label} was requested but this onnxruntime-node build has no ${label} provider; running on CPU.`;
  }
  if (/Failed to load shared library|cannot open shared object/i.test(err)) {
    return `${label} was requested but its libraries could not be loaded (this onnxruntime-node build does not ship them, or the driver is missing); running on CPU.`;
  }
  if (/adapter/i.test(err)) {
    return `${label} was requested but no usable GPU adapter was found; running on CPU.`;
  }
  return `${label} was requested but could not start (${err}); running on CPU.`;
}

/**
 * Resolve a setting to the provider to use. Only the providers `auto` would pick and the requested one
 * are probed (probing WebGPU without a GPU is slow and noisy), so `available` lists CPU plus the
 * providers known to work here.
 */
export async function resolveProvider(setting: ProviderSetting): Promise<EngineStatus> {
  const toProbe = new Set<ExecutionProviderName>([...autoOrder(), ...(setting !== 'auto' && setting !== 'cpu' ? [setting] : [])]);
  for (const p of probeCache.keys()) toProbe.add(p);
  const available: ExecutionProviderName[] = ['cpu'];
  for (const b of listedProviders()) {
    if (b.name !== 'cpu' && toProbe.has(b.name) && (await probeProvider(b.name)) === null) available.push(b.name);
  }
  if (setting === 'cpu') return { setting, active: 'cpu', available };
  if (setting === 'auto') {
    const pick = autoOrder().find((p) => available.includes(p));
    return { setting, active: pick ?? 'cpu', available };
  }
  const err = await probeProvider(setting);
  if (err === null) return { setting, active: setting, available };
  return { setting, active: 'cpu', available, fallbackReason: fallbackWords(setting, err) };
}
