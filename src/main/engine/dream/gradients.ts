// Gradient sessions for dreaming: one compiled gradient model per input shape, cached, with the
// time each compile and session start took (they matter: an octave pyramid needs several shapes).
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../../shared/contract';
import type { Objective } from '../../../shared/objectives';
import { compileGradient } from '../autodiff/index';
import { encodeModel, type Model, type Node } from '../onnx/model';
import { createSession, type CreatedSession } from '../runtime/sessions';
import type { GradientRun, GradientSource } from './loop';

export interface SessionTiming {
  shape: [number, number];
  compileMs: number;
  createMs: number;
}

export interface GradientSessionOptions {
  model: Model;
  input: string;
  /** the objective to compile for an input of h×w */
  objective: (h: number, w: number) => Objective;
  /** the reported objective value is divided by this (per-shape scaling back to a mean) */
  objectiveNorm?: (h: number, w: number) => number;
  provider?: ExecutionProviderName;
  /** onnxruntime intra-op threads (default: ORT's choice, all cores) */
  threads?: number;
}

/**
 * Sessions go through the runtime module (runtime/sessions.ts createSession): the engine's provider, its
 * CPU fallback with the reason, one intra-op thread per core unless `threads` says otherwise.
 */
function openSession(bytes: Uint8Array, o: { provider?: ExecutionProviderName; threads?: number }, arena = true): Promise<CreatedSession> {
  // An arena keeps each session's peak working memory (~650 MB for a 640² GoogLeNet gradient) for good;
  // with up to 9 tile shapes alive at once that alone would pass 4 GB, so tile sessions give it back after every run.
  return createSession({ bytes }, { provider: o.provider ?? 'cpu', ...(o.threads ? { threads: o.threads } : {}) }, { enableCpuMemArena: arena });
}

export class CompiledGradients implements GradientSource {
  readonly timings: SessionTiming[] = [];
  /** the providers the sessions really run on (CPU where the requested one could not load a graph) */
  readonly providers = new Set<ExecutionProviderName>();
  /** why a session could not go on the requested provider */
  fallbackReason: string | undefined;
  private readonly sessions = new Map<string, Promise<{ session: ort.InferenceSession; run: GradientRun }>>();

  constructor(private readonly opts: GradientSessionOptions) {}

  async forShape(h: number, w: number, tiled = false): Promise<GradientRun> {
    const key = `${h}x${w}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.open(h, w, !tiled);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return (await s).run;
  }

  private async open(h: number, w: number, arena: boolean): Promise<{ session: ort.InferenceSession; run: GradientRun }> {
    const { model, input, objective } = this.opts;
    const t0 = performance.now();
    const g = await compileGradient(model, { input, shape: [1, 3, h, w], objective: objective(h, w) });
    const t1 = performance.now();
    if (g.targetInputs.length > 0) {
      throw new Error(`the dream objective needs target inputs (${g.targetInputs.map((t) => t.name).join(', ')}), which dreaming does not feed`);
    }
    const made = await openSession(g.bytes, this.opts, arena);
    const session = made.session;
    this.providers.add(made.provider);
    if (made.fallbackReason) this.fallbackReason ??= made.fallbackReason;
    this.timings.push({ shape: [h, w], compileMs: t1 - t0, createMs: performance.now() - t1 });
    const inName = g.inputName, objName = g.outputs.objective, gradName = g.outputs.inputGrad;
    const dims = [1, 3, h, w];
    const norm = this.opts.objectiveNorm?.(h, w) ?? 1;
    const run: GradientRun = async (x, grad) => {
      const out = await session.run({ [inName]: new ort.Tensor('float32', x, dims) }, [objName, gradName]);
      const gd = out[gradName]!.data as Float32Array;
      if (gd.length !== grad.length) throw new Error(`gradient has ${gd.length} values, expected ${grad.length}`);
      grad.set(gd);
      return Number((out[objName]!.data as Float32Array)[0]) / norm;
    };
    return { session, run };
  }

  async retainOnly(shapes: [number, number][]): Promise<void> {
    const keep = new Set(shapes.map(([h, w]) => `${h}x${w}`));
    for (const [key, s] of [...this.sessions]) {
      if (keep.has(key)) continue;
      this.sessions.delete(key);
      try {
        await (await s).session.release();
      } catch {
        // a session that failed to open has nothing to release
      }
    }
  }

  /** Total compile + session start time so far (ms). */
  get sessionMs(): number {
    return this.timings.reduce((a, t) => a + t.compileMs + t.createMs, 0);
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) {
      try {
        await (await s).session.release();
      } catch {
        // a session that failed to open has nothing to release
      }
    }
  }
}

/** Forward-only: the values of `layer` for one input (to collect a guide image's features). */
export async function layerActivations(model: Model, input: string, layer: string, x: Float32Array, dims: number[], opts: { provider?: ExecutionProviderName; threads?: number } = {}): Promise<{ data: Float32Array; dims: number[] }> {
  const m = truncatedAt(model, layer);
  const { session } = await openSession(encodeModel(m), opts);
  try {
    const out = await session.run({ [input]: new ort.Tensor('float32', x, dims) });
    const t = out[layer]!;
    return { data: t.data as Float32Array, dims: [...t.dims] };
  } finally {
    await session.release();
  }
}

/**
 * The model cut after `layer`: only the nodes it depends on, `layer` its one output. onnxruntime
 * keeps unused nodes, and a classifier head (Flatten + Gemm) fails at any size but the nominal one.
 */
export function truncatedAt(model: Model, layer: string): Model {
  const producer = new Map<string, Node>();
  for (const n of model.graph.nodes) for (const o of n.outputs) producer.set(o, n);
  if (!producer.has(layer)) throw new Error(`the model has no layer "${layer}"`);
  const keep = new Set<Node>();
  const todo = [layer];
  while (todo.length) {
    const n = producer.get(todo.pop()!);
    if (!n || keep.has(n)) continue;
    keep.add(n);
    todo.push(...n.inputs.filter(Boolean));
  }
  const nodes = model.graph.nodes.filter((n) => keep.has(n));
  const used = new Set(nodes.flatMap((n) => n.inputs));
  return {
    ...model,
    graph: {
      ...model.graph,
      nodes,
      initializers: model.graph.initializers.filter((t) => used.has(t.name)),
      inputs: model.graph.inputs.filter((i) => used.has(i.name)),
      outputs: [{ name: layer, dtype: 'float32' }],
      valueInfo: [],
    },
  };
}
