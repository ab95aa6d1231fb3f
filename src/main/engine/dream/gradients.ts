// A dream's gradients: one compiled session per input shape (each whole octave, each tile shape), taken
// from the gradient runtime and held while its octave runs. An octave pyramid needs several shapes and
// none is needed again by the next octave, so `retainOnly` drops the previous octave's sessions before the
// next one's are made (peak memory: one octave's sessions), and `release` drops the rest at the end.
import type { ExecutionProviderName } from '../../../shared/contract';
import type { Objective } from '../../../shared/objectives';
import type { GradientRuntime, GradientSession, RuntimeModel } from '../gradients/index';
import type { SessionPlacement } from '../runtime/sessions';
import type { GradientRun, GradientSource } from './loop';

export interface SessionTiming {
  shape: [number, number];
  compileMs: number;
  createMs: number;
}

export interface DreamGradientOptions {
  runtime: GradientRuntime;
  model: RuntimeModel;
  input: string;
  /** the objective to compile for an input of h×w */
  objective: (h: number, w: number) => Objective;
  /** the reported objective value is divided by this (per-shape scaling back to a mean) */
  objectiveNorm?: (h: number, w: number) => number;
  placement: SessionPlacement;
}

interface Held {
  session: GradientSession;
  run: GradientRun;
}

export class DreamGradients implements GradientSource {
  readonly timings: SessionTiming[] = [];
  /** the providers the sessions really run on (CPU where the requested one could not load a graph) */
  readonly providers = new Set<ExecutionProviderName>();
  /** why a session could not go on the requested provider */
  fallbackReason: string | undefined;
  private readonly held = new Map<string, Promise<Held>>();

  constructor(private readonly opts: DreamGradientOptions) {}

  async forShape(h: number, w: number, tiled = false): Promise<GradientRun> {
    const key = `${h}x${w}`;
    let s = this.held.get(key);
    if (!s) {
      s = this.open(h, w, !tiled);
      this.held.set(key, s);
      s.catch(() => this.held.delete(key));
    }
    return (await s).run;
  }

  /** `arena` false for tiles: an arena keeps each session's peak working memory (~650 MB for a 640² GoogLeNet gradient) for good, and up to 9 tile shapes are alive at once. */
  private async open(h: number, w: number, arena: boolean): Promise<Held> {
    const { runtime, model, input, objective, placement } = this.opts;
    // threads that sleep between runs: a spinning pool's first runs in a new session took 2× a later one
    // (GoogLeNet at 550×413: 355 against 156 ms; sleeping: 181 against 163), and a dream has one session per
    // octave and JS work (shifts, step, clipping) between runs; the classic dream of sky.jpg ran ~5% faster
    const session = await runtime.gradient({ model, input, shape: [1, 3, h, w], objective: objective(h, w), placement, arena, spinning: false });
    if (session.targetInputs.length > 0) {
      await session.release({ drop: true });
      throw new Error(`the dream objective needs target inputs (${session.targetInputs.map((t) => t.name).join(', ')}), which dreaming does not feed`);
    }
    this.providers.add(session.provider);
    if (session.fallbackReason) this.fallbackReason ??= session.fallbackReason;
    if (session.fresh) this.timings.push({ shape: [h, w], compileMs: session.compileMs, createMs: session.prepareMs - session.compileMs });
    const norm = this.opts.objectiveNorm?.(h, w) ?? 1;
    const run: GradientRun = async (x, grad) => {
      const r = await session.run(x);
      if (r.inputGrad.length !== grad.length) throw new Error(`gradient has ${r.inputGrad.length} values, expected ${grad.length}`);
      grad.set(r.inputGrad);
      return r.objective / norm;
    };
    return { session, run };
  }

  async retainOnly(shapes: [number, number][]): Promise<void> {
    const keep = new Set(shapes.map(([h, w]) => `${h}x${w}`));
    for (const [key, s] of [...this.held]) {
      if (keep.has(key)) continue;
      this.held.delete(key);
      await drop(s);
    }
  }

  /** Total compile + session start time so far (ms). */
  get sessionMs(): number {
    return this.timings.reduce((a, t) => a + t.compileMs + t.createMs, 0);
  }

  async release(): Promise<void> {
    const all = [...this.held.values()];
    this.held.clear();
    for (const s of all) await drop(s);
  }
}

async function drop(s: Promise<Held>): Promise<void> {
  const h = await s.catch(() => undefined);
  // a session that failed to open has nothing to release
  await h?.session.release({ drop: true });
}
