// A fake slow job for the job runtime's tests: `steps` steps of `stepMs` each (busy-waiting, like a
// session.run that blocks the worker thread), a checkpoint between steps, a preview every step, and on
// request a crash of the worker thread in the middle. Loaded into the engine worker with
// `new EngineWorker({ recipeModules: [this file] })`.
import type { Recipe } from '../../recipes/types';

export interface SlowInput {
  steps: number;
  stepMs: number;
  /** exit the worker thread after this many steps (a crash inside onnxruntime looks the same to the host) */
  crashAfter?: number;
  /** keep the steps done so far when cancelled (like a dream's last frame) instead of stopping with nothing */
  keepOnCancel?: boolean;
  /** also send a full-resolution checkpoint image of this size every step (the control bounds how many go out) */
  fullFrame?: { width: number; height: number };
  /** set by `resume`: the size of the checkpoint frame it started from */
  fromFrameBytes?: number;
}

export interface SlowOutput {
  stepsDone: number;
  fromFrameBytes?: number;
  cancelled: boolean;
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the thread is blocked, as during session.run */ }
}

export const recipe: Recipe<never, SlowInput, SlowOutput> = {
  kind: 'slow' as never,
  heavy: true,
  // the input comes as `input` (a fake kind) or as `settings` (registered under a real kind, so its spec
  // survives the contract's jobSpecSchema when an interrupted run is resumed)
  prepare: (spec) => {
    const s = spec as unknown as { input?: SlowInput; settings?: SlowInput };
    return { title: 'slow', input: (s.input ?? s.settings)! };
  },
  // resumed from a checkpoint frame: say so in the output (the frame's bytes are the preview's JPEG); the
  // crash that interrupted it is not replayed
  resume: async (prepared, frame) => {
    const { crashAfter: _, ...input } = prepared.input;
    return { ...prepared, input: { ...input, fromFrameBytes: frame.byteLength } };
  },
  async run(i, ctl) {
    let done = 0;
    for (; done < i.steps; done++) {
      if (await ctl.checkpoint()) {
        if (i.keepOnCancel) return { output: { stepsDone: done, cancelled: true } };
        await ctl.check();
      }
      if (i.crashAfter !== undefined && done === i.crashAfter) process.exit(3);
      busy(i.stepMs);
      ctl.progress((done + 1) / i.steps, `step ${done + 1}/${i.steps}`);
      ctl.preview({ width: 2, height: 1, data: new Uint8Array([done, 0, 0, 0, done, 0]) });
      const full = i.fullFrame;
      if (full) ctl.checkpointImage(() => ({ ...full, data: new Uint8Array(full.width * full.height * 3).fill(done) }));
    }
    return { output: { stepsDone: done, cancelled: false, ...(i.fromFrameBytes ? { fromFrameBytes: i.fromFrameBytes } : {}) } };
  },
  save: async () => undefined,
};
