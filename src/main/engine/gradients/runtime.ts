// The gradient runtime: every compiled gradient session and every forward session of the engine's image
// optimizations (dreams, attribution, feature visualization…) is made and cached here, in the engine's
// one session cache (runtime/sessions.ts SessionCache), and every cut model comes from the one cutting
// function (cut.ts). A session is keyed by what makes it different — model, objective, input shape with
// its batch, rule set, compile strategies, extra outputs, provider, threads, memory mode — so a
// long-lived worker that keeps one runtime serves a second job of the same kind without compiling.
//
// Gradient sessions take any batch size and feed objective targets (Gram matrices, content activations,
// directions, guides) as graph inputs at run time; they return the objective per item, the input gradient
// and any requested activations and layer gradients. Forward sessions run a model cut after the fetched
// tensors, by default through the compiler's rewritten forward (LRN as 1×1 convs: onnxruntime's LRN kernel
// is slow). Both record the provider that really ran (createSession's CPU fallback and its reason).
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../../shared/contract';
import type { Objective } from '../../../shared/objectives';
import { compileGradient, resolveStrategies, strategiesFor, type CompileStrategies, type ResolvedStrategies } from '../autodiff/index';
import type { RuleSetName } from '../autodiff/rules/index';
import { encodeModel, type Model } from '../onnx/model';
import { createSession, SessionCache, type CacheEntry, type CacheKey, type Lease, type SessionPlacement } from '../runtime/sessions';
import { argmaxTarget } from './argmax-target';
import { cutModel, withInputShape } from './cut';

/** A model as the runtime knows it: sessions are cached under `sha` and released with it. */
export interface RuntimeModel {
  model: Model;
  /** the model file's sha256 (what `release(sha)` names); any stable id of this graph will do */
  sha: string;
  /** a graph derived from the file (a dream's guide-score nodes…): part of every key */
  variant?: string;
}

const modelIds = new WeakMap<Model, string>();
let nextModelId = 0;

/** `model` under `sha`; without one, an id for this Model object (cached for as long as the object is reused). */
export function runtimeModel(model: Model, sha?: string, variant?: string): RuntimeModel {
  let key = sha;
  if (!key) {
    key = modelIds.get(model);
    if (!key) modelIds.set(model, (key = `model#${++nextModelId}`));
  }
  return { model, sha: key, ...(variant ? { variant } : {}) };
}

export interface Fetched {
  data: Float32Array;
  dims: readonly number[];
}

export interface TargetInput {
  name: string;
  shape: number[];
  /** `<kind>:<layer>`, e.g. `gram:conv3`; a target may be fed under its name or its role */
  role: string;
}

export interface GradientSpec {
  model: RuntimeModel;
  input: string;
  /** the concrete input shape, batch included: [N, C, H, W] */
  shape: number[];
  objective: Objective;
  rules?: RuleSetName;
  /** extra outputs: the values of these tensors, and d objective / d these tensors */
  activations?: string[];
  gradientsOf?: string[];
  /** false: no input gradient — the graph is cut to what the other outputs need (no backward pass below a Grad-CAM layer) */
  inputGrad?: boolean;
  /** in-graph top-1: the objective's one direction input becomes onehot(argmax(this tensor)) of the same run (batch 1) */
  top1Of?: string;
  /** compile strategies; default: the runtime's strategiesFor(provider) */
  strategies?: CompileStrategies;
  /** default: the runtime's placement */
  placement?: SessionPlacement;
  /**
   * false: the session gives its working memory back after every run instead of keeping an arena (~650 MB
   * for a 640² GoogLeNet gradient) — for sessions that are one of several alive at once (dream tiles).
   */
  arena?: boolean;
  /**
   * false: onnxruntime's intra-op threads sleep between runs instead of spin-waiting for the next one. A
   * render loop does JS work (parameterization, transforms) between many short runs; spinning threads
   * compete with it, and on a busy machine with other processes (measured on 2 cores, load 5: a 128 px
   * GoogLeNet step took 75–150 ms spinning, 34–39 ms not).
   */
  spinning?: boolean;
  /** name for error messages */
  label?: string;
}

export interface GradientResult {
  /** the objective summed over the batch */
  objective: number;
  /** each item's own objective, [N] */
  perItem: Float32Array;
  /** d objective / d input, N·C·H·W values (empty when the spec asked for none) */
  inputGrad: Float32Array;
  /** per item, the value of each term of a top-level sum objective, in order ([] for any other objective): a style loss's content, style per layer… */
  terms: Float32Array[];
  activations: Record<string, Fetched>;
  grads: Record<string, Fetched>;
  /** for a top1Of session: the class the graph chose and its score */
  top1?: { index: number; score: number };
}

/** What compiling and making a gradient session cost and produced. */
interface GradientGraph {
  inputName: string;
  targetInputs: TargetInput[];
  /** graph inputs the session has: a cut keeps only those something reads */
  inputs: Set<string>;
  fetch: string[];
  objective: string;
  perItem: string;
  /** the per-item values of a top-level sum's terms */
  terms: string[];
  inputGrad?: string;
  activations: Record<string, string>;
  grads: Record<string, string>;
  indexOutput?: string;
  compileMs: number;
  prepareMs: number;
}

interface ForwardGraph {
  inputName: string;
  /** requested tensor → the session's output name */
  outputs: Record<string, string>;
  fetch: string[];
  /** true when it runs the compiler's rewritten forward, false when the model as it is */
  compiled: boolean;
  prepareMs: number;
}

const EMPTY = new Float32Array(0);

/** A leased session: held (never evicted) until `release()`. */
abstract class Leased<T extends { prepareMs: number }> {
  constructor(protected readonly lease: Lease<T>, readonly shape: readonly number[]) {}
  /** the provider the session really runs on ('cpu' after a fallback) */
  get provider(): ExecutionProviderName { return this.lease.provider; }
  /** why it could not go on the requested provider */
  get fallbackReason(): string | undefined { return this.lease.fallbackReason; }
  /** true when this call made the session (compile + creation were paid now) */
  get fresh(): boolean { return this.lease.fresh; }
  /** ms to compile, cut, encode and create it */
  get prepareMs(): number { return this.lease.value.prepareMs; }
  get createMs(): number { return this.lease.createdMs; }
  /** let it go back to the cache (`drop`: close it as soon as nobody else holds it) */
  release(opts?: { drop?: boolean }): Promise<void> { return this.lease.release(opts); }
}

export class GradientSession extends Leased<GradientGraph> {
  get targetInputs(): readonly TargetInput[] { return this.lease.value.targetInputs; }
  get compileMs(): number { return this.lease.value.compileMs; }

  /**
   * One run on a batch `x` (N·C·H·W values). `targets` feeds the objective's target inputs by name or role.
   * The arrays returned are onnxruntime's outputs of this run (no copies).
   */
  async run(x: Float32Array, targets: Readonly<Record<string, Float32Array>> = {}): Promise<GradientResult> {
    const g = this.lease.value;
    const feeds: Record<string, ort.Tensor> = { [g.inputName]: inputTensor(x, this.shape) };
    let fed = 0;
    for (const t of g.targetInputs) {
      const v = targets[t.name] ?? targets[t.role];
      if (!v) throw new Error(`objective target "${t.name}" (${t.role}, [${t.shape.join(',')}]) was not fed`);
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (v.length !== n) throw new Error(`objective target "${t.name}" needs ${n} values ([${t.shape.join(',')}]), got ${v.length}`);
      if (g.inputs.has(t.name)) feeds[t.name] = new ort.Tensor('float32', v, t.shape);
      fed++;
    }
    if (Object.keys(targets).length > fed) {
      const known = new Set(g.targetInputs.flatMap((t) => [t.name, t.role]));
      const extra = Object.keys(targets).filter((k) => !known.has(k));
      if (extra.length) throw new Error(`the objective has no target ${extra.map((k) => `"${k}"`).join(', ')} (it reads ${g.targetInputs.map((t) => t.name).join(', ') || 'none'})`);
    }
    const out = await this.lease.session.run(feeds, g.fetch);
    const fetched = (name: string): Fetched => ({ data: out[name]!.data as Float32Array, dims: out[name]!.dims });
    const perItem = out[g.perItem]!.data as Float32Array;
    const r: GradientResult = {
      objective: Number((out[g.objective]!.data as Float32Array)[0]),
      perItem,
      inputGrad: g.inputGrad ? (out[g.inputGrad]!.data as Float32Array) : EMPTY,
      terms: g.terms.map((t) => out[t]!.data as Float32Array),
      activations: mapValues(g.activations, fetched),
      grads: mapValues(g.grads, fetched),
    };
    if (g.indexOutput) r.top1 = { index: Number((out[g.indexOutput]!.data as BigInt64Array)[0]), score: perItem[0]! };
    return r;
  }
}

export class ForwardSession extends Leased<ForwardGraph> {
  /** whether it runs the compiler's rewritten forward (false: the model as it is, when the compiler cannot take it) */
  get compiled(): boolean { return this.lease.value.compiled; }

  /** One run on a batch `x`; each fetched tensor by the name it was asked for (onnxruntime's arrays, no copies). */
  async run(x: Float32Array): Promise<Record<string, Fetched>> {
    const g = this.lease.value;
    const out = await this.lease.session.run({ [g.inputName]: inputTensor(x, this.shape) }, g.fetch);
    return mapValues(g.outputs, (name) => ({ data: out[name]!.data as Float32Array, dims: out[name]!.dims }));
  }
}

export interface ForwardSpec {
  model: RuntimeModel;
  input: string;
  /** the concrete input shape, batch included */
  shape: number[];
  /** the tensors to fetch: the model is cut after them */
  fetch: string[];
  /** false: run the model as it is (cut), not the compiler's rewritten forward (default true, with that fallback) */
  rewrite?: boolean;
  placement?: SessionPlacement;
  arena?: boolean;
  /** false: onnxruntime's intra-op threads sleep between runs (see GradientSpec.spinning) — for sweeps that do JS work between batches */
  spinning?: boolean;
  label?: string;
}

/**
 * Cached sessions kept per model and kind when nobody holds them. A gradient session holds its peak
 * working memory (GoogLeNet at 224: ~60 MB per batch item, ~500 MB at batch 8) and a new class, method or
 * batch size makes a new one; forward sessions are small next to them. A dream holds the sessions of the
 * octave it runs (up to 3×3 tile shapes) and drops them after it, so they never count against these.
 */
export const DEFAULT_LIMITS = { gradient: 3, forward: 4 } as const;

export interface GradientRuntimeOptions {
  /** the session cache to live in (a worker's one cache); default: a private one */
  sessions?: SessionCache;
  /** where sessions run unless a spec says otherwise; default: the cache's placement (its provider and threads) */
  placement?: SessionPlacement | (() => SessionPlacement);
  /** compile strategies per provider (issue 16: WebGPU cannot run MaxPool with Indices); default autodiff's strategiesFor */
  strategiesFor?: (provider: ExecutionProviderName) => CompileStrategies;
  limits?: { gradient?: number; forward?: number };
}

const KINDS = new Set(['gradient', 'forward']);

export class GradientRuntime {
  readonly sessions: SessionCache;
  private readonly limits: { gradient: number; forward: number };

  constructor(private readonly o: GradientRuntimeOptions = {}) {
    this.sessions = o.sessions ?? new SessionCache();
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
  }

  /** Where a spec's sessions run. */
  placement(override?: SessionPlacement): SessionPlacement {
    if (override) return override;
    const p = this.o.placement;
    return typeof p === 'function' ? p() : p ?? this.sessions.placement();
  }

  /** The strategies a compile for `provider` uses unless its spec names them. */
  strategies(provider: ExecutionProviderName): ResolvedStrategies {
    return resolveStrategies((this.o.strategiesFor ?? strategiesFor)(provider));
  }

  /** A compiled gradient session for `spec`, made on first use and cached; release it when done. */
  async gradient(spec: GradientSpec): Promise<GradientSession> {
    const placement = this.placement(spec.placement);
    const strategies = spec.strategies ? resolveStrategies(spec.strategies) : this.strategies(placement.provider);
    const inputGrad = spec.inputGrad !== false;
    const id = JSON.stringify({
      variant: spec.model.variant ?? null, input: spec.input, shape: spec.shape, objective: spec.objective, rules: spec.rules ?? 'default',
      activations: spec.activations ?? [], gradientsOf: spec.gradientsOf ?? [], inputGrad, top1Of: spec.top1Of ?? null, strategies,
      ...placementKey(placement), arena: spec.arena !== false, ...(spec.spinning === false ? { spinning: false } : {}),
    });
    const key: CacheKey = { sha: spec.model.sha, kind: 'gradient', id, shape: spec.shape };
    const lease = await this.sessions.acquire(key, () => this.makeGradient(spec, placement, strategies, inputGrad), this.limits.gradient);
    return new GradientSession(lease, spec.shape);
  }

  /** A forward session for `spec`, made on first use and cached; release it when done. */
  async forward(spec: ForwardSpec): Promise<ForwardSession> {
    if (spec.fetch.length === 0) throw new Error('a forward run needs at least one tensor to fetch');
    const placement = this.placement(spec.placement);
    const rewrite = spec.rewrite !== false;
    const id = JSON.stringify({
      variant: spec.model.variant ?? null, input: spec.input, shape: spec.shape, fetch: spec.fetch, rewrite, ...placementKey(placement), arena: spec.arena !== false,
      ...(spec.spinning === false ? { spinning: false } : {}),
    });
    const key: CacheKey = { sha: spec.model.sha, kind: 'forward', id, shape: spec.shape };
    const lease = await this.sessions.acquire(key, () => this.makeForward(spec, placement, rewrite), this.limits.forward);
    return new ForwardSession(lease, spec.shape);
  }

  /**
   * Drop this runtime's sessions: of one model (`sha`), of those matching `where`, or all. Sessions in use
   * close when their holder releases them.
   */
  async release(sha?: string, where?: (key: CacheKey) => boolean): Promise<void> {
    await this.sessions.releaseWhere((k) => KINDS.has(k.kind) && (sha === undefined || k.sha === sha) && (where?.(k) ?? true));
  }

  private async makeGradient(spec: GradientSpec, placement: SessionPlacement, strategies: ResolvedStrategies, inputGrad: boolean): Promise<CacheEntry<GradientGraph>> {
    const t0 = performance.now();
    const label = spec.label ?? 'model';
    const activations = spec.activations ?? [], gradientsOf = spec.gradientsOf ?? [];
    const g = await compileGradient(spec.model.model, {
      input: spec.input, shape: spec.shape, objective: spec.objective, activations, gradientsOf, strategies,
      ...(spec.rules ? { rules: spec.rules } : {}), ...(spec.label ? { label: spec.label } : {}),
    });
    const compileMs = performance.now() - t0;
    let model = g.model;
    let targetInputs: TargetInput[] = g.targetInputs;
    let indexOutput: string | undefined;
    if (spec.top1Of !== undefined) {
      const ti = g.targetInputs[0];
      if (spec.shape[0] !== 1 || g.targetInputs.length !== 1 || ti!.shape.length !== 1) throw new Error(`${label}: in-graph top-1 needs one image and one direction input`);
      ({ model, indexOutput } = argmaxTarget(model, spec.top1Of, ti!.name, ti!.shape[0]!));
      targetInputs = [];
    }
    const o = g.outputs;
    const acts = pick(o.activations, activations), grads = pick(o.grads, gradientsOf);
    const fetch = [...new Set([o.objective, o.perItem, ...o.terms, ...(inputGrad ? [o.inputGrad] : []), ...Object.values(acts), ...Object.values(grads), ...(indexOutput ? [indexOutput] : [])])];
    // The compiled graph computes all of its outputs whatever is fetched: cut it when less is wanted.
    const cut = !inputGrad || indexOutput !== undefined;
    const final = cut ? cutModel(model, fetch) : model;
    // [Note: no memory pattern] onnxruntime's memory pattern plans one block for a run's intermediates after
    // the first run: for a compiled forward + backward graph it held 30–40% more peak memory (GoogLeNet's
    // gradient at 512: 954–977 MB against 669–672; VGG19-block3 at 512: 1820 against 1117) and its second
    // run paid for faulting that block in (GoogLeNet at 550×413: 456 ms against 180), once per session — a
    // dream makes one per octave. Without it a step took 0–4% longer in bench:grad.
    const made = await createSession({ bytes: cut ? encodeModel(final) : g.bytes }, placement, {
      enableMemPattern: false,
      ...(spec.arena === false ? { enableCpuMemArena: false } : {}),
      ...(spec.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
    const value: GradientGraph = {
      inputName: g.inputName, targetInputs, inputs: new Set(final.graph.inputs.map((i) => i.name)), fetch,
      objective: o.objective, perItem: o.perItem, terms: o.terms, ...(inputGrad ? { inputGrad: o.inputGrad } : {}), activations: acts, grads,
      ...(indexOutput ? { indexOutput } : {}), compileMs, prepareMs: performance.now() - t0,
    };
    return { ...made, value };
  }

  /**
   * The graph to run: the forward part of what the gradient compiler emits, cut after `fetch` — the same
   * function as the source model, but with LRN rewritten as 1×1 convolutions (GoogLeNet's forward takes
   * about half the time) — or, for models the compiler cannot take (ops it has no rule for) and when
   * `rewrite` is false, the model as it is, cut after `fetch`.
   */
  private async makeForward(spec: ForwardSpec, placement: SessionPlacement, rewrite: boolean): Promise<CacheEntry<ForwardGraph>> {
    const t0 = performance.now();
    const { model } = spec.model;
    let graph: { model: Model; outputs: Record<string, string>; compiled: boolean } | undefined;
    if (rewrite) {
      try {
        const g = await compileGradient(model, {
          input: spec.input, shape: spec.shape, objective: { kind: 'l2', layer: spec.fetch[0]! }, activations: spec.fetch, ...(spec.label ? { label: spec.label } : {}),
        });
        const outputs = pick(g.outputs.activations, spec.fetch);
        graph = { model: cutModel(g.model, Object.values(outputs)), outputs, compiled: true };
      } catch {
        // the model runs as it is
      }
    }
    graph ??= {
      model: cutModel(withInputShape(model, spec.input, spec.shape), spec.fetch),
      outputs: Object.fromEntries(spec.fetch.map((f) => [f, f])), compiled: false,
    };
    const made = await createSession({ bytes: encodeModel(graph.model) }, placement, {
      ...(spec.arena === false ? { enableCpuMemArena: false } : {}),
      ...(spec.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
    const value: ForwardGraph = { inputName: spec.input, outputs: graph.outputs, fetch: [...new Set(Object.values(graph.outputs))], compiled: graph.compiled, prepareMs: performance.now() - t0 };
    return { ...made, value };
  }
}

/**
 * One provider name for a run: the provider every session it used ran on; when some fell back to CPU the
 * run was (partly) on CPU, and says so.
 */
export function runProvider(used: ReadonlySet<ExecutionProviderName>, requested: ExecutionProviderName = 'cpu'): ExecutionProviderName {
  return used.size === 0 ? requested : used.size === 1 ? [...used][0]! : 'cpu';
}

function placementKey(p: SessionPlacement): { provider: string; threads: number | null } {
  return { provider: p.provider, threads: p.threads ?? null };
}

function inputTensor(x: Float32Array, shape: readonly number[]): ort.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (x.length !== n) throw new Error(`the input has ${x.length} values; the session was made for [${shape.join(',')}] (${n})`);
  return new ort.Tensor('float32', x, shape as number[]);
}

/** `names` → their entries in `from` (the compiler's output names), keyed by the names asked for. */
function pick(from: Record<string, string>, names: readonly string[]): Record<string, string> {
  const r: Record<string, string> = {};
  for (const n of names) {
    const v = from[n];
    if (!v) throw new Error(`the compiled graph has no output for "${n}"`);
    r[n] = v;
  }
  return r;
}

function mapValues<T>(o: Record<string, string>, f: (v: string) => T): Record<string, T> {
  const r: Record<string, T> = {};
  for (const k in o) r[k] = f(o[k]!);
  return r;
}
