// The one control object every job gets (in the engine worker, in the CLI, in tests): progress with an
// ETA, preview frames at a bounded rate, and pause / resume / cancel that take effect at the job's next
// checkpoint — between two optimizer steps, tiles or batches. A recipe never writes any of this itself.
import type { JobPosition } from './position';

/** RGB bytes, 3 per pixel, row-major (what sharp decodes to and what previews are made of). */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export class Cancelled extends Error {
  readonly code = 'cancelled';
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

/**
 * Pause and cancel. `checkpoint()` waits while paused (nothing runs, the engine stays responsive) and
 * resolves true once the job should stop. It always yields to the event loop once, so control messages
 * that arrive while a job runs back-to-back model runs are seen at the next checkpoint.
 */
export class PauseGate {
  private paused = false;
  private stopped = false;
  private wake: (() => void) | undefined;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  cancel(): void {
    this.stopped = true;
    this.wake?.();
  }

  get isPaused(): boolean {
    return this.paused && !this.stopped;
  }

  get cancelled(): boolean {
    return this.stopped;
  }

  async checkpoint(): Promise<boolean> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.paused && !this.stopped) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return this.stopped;
  }

  /** For code that cannot stop gracefully mid-way: throws Cancelled at a checkpoint after cancel. */
  async check(): Promise<void> {
    if (await this.checkpoint()) throw new Cancelled();
  }
}

export interface JobProgress {
  /** 0..1 */
  fraction: number;
  message?: string;
  /** the job's own estimate; otherwise the runtime extrapolates from elapsed time and fraction */
  etaMs?: number;
}

export interface JobSink {
  progress(p: JobProgress): void;
  preview(frame: RgbFrame): void;
  /**
   * A full-resolution image the job could start again from (an optimization's current state), stored as
   * its run's lossless checkpoint. Settles once the frame is handed off (encoded and sent): until then the
   * control sends no other, so a slow encode of a big image never piles up.
   */
  checkpoint?(frame: RgbFrame, position?: JobPosition): Promise<void> | void;
  /** a sweep's finished item, kept in the run's row at once (lossless; `meta` in the PNG's text chunk) */
  item?(name: string, frame: RgbFrame, meta: Record<string, string>): Promise<void> | void;
}

export interface JobControlOptions {
  /** at most one preview frame this often (ms) */
  previewEveryMs?: number;
  /** at most one progress report this often (ms); a new message always goes out */
  progressEveryMs?: number;
  /** at most one full-resolution checkpoint image this often (ms); default 3000, the runtime's row rate */
  checkpointEveryMs?: number;
}

/** What a recipe's worker half gets: report, preview, and stop or wait where the control says so. */
export class JobControl extends PauseGate {
  private lastPreview = -Infinity;
  private lastProgress = -Infinity;
  private lastMessage: string | undefined;
  private readonly previewEveryMs: number;
  private readonly progressEveryMs: number;
  private readonly checkpointEveryMs: number;
  private lastCheckpointImage = -Infinity;
  private checkpointBusy = false;

  constructor(private readonly sink: JobSink = { progress: () => undefined, preview: () => undefined }, o: JobControlOptions = {}) {
    super();
    this.previewEveryMs = o.previewEveryMs ?? 700;
    this.progressEveryMs = o.progressEveryMs ?? 100;
    this.checkpointEveryMs = o.checkpointEveryMs ?? 3000;
  }

  progress(fraction: number, message?: string, etaMs?: number): void {
    const now = performance.now();
    const fresh = message !== undefined && message !== this.lastMessage;
    if (!fresh && fraction < 1 && now - this.lastProgress < this.progressEveryMs) return;
    this.lastProgress = now;
    if (message !== undefined) this.lastMessage = message;
    this.sink.progress({ fraction: Math.max(0, Math.min(1, fraction)), ...(message !== undefined ? { message } : {}), ...(etaMs !== undefined ? { etaMs } : {}) });
  }

  /** Whether a preview frame would go out now: lets a job skip drawing one that would be dropped. */
  wantsPreview(): boolean {
    return performance.now() - this.lastPreview >= this.previewEveryMs;
  }

  preview(frame: RgbFrame | (() => RgbFrame)): void {
    if (!this.wantsPreview()) return;
    this.lastPreview = performance.now();
    this.sink.preview(typeof frame === 'function' ? frame() : frame);
  }

  /** Whether a checkpoint image would be taken now (a job can skip assembling a full frame otherwise). */
  wantsCheckpointImage(): boolean {
    return this.sink.checkpoint !== undefined && !this.checkpointBusy && performance.now() - this.lastCheckpointImage >= this.checkpointEveryMs;
  }

  /**
   * A sweep's finished item (one stylized photo of several): kept in the run's row as soon as it is done,
   * so Resume after a crash skips it. Not rate-limited: one per finished item is already bounded.
   */
  keepItem(name: string, frame: RgbFrame, meta: Record<string, string> = {}): void {
    void Promise.resolve(this.sink.item?.(name, frame, meta)).catch(() => undefined);
  }

  /**
   * The job's current state at full resolution (not the downscaled preview), for Resume after a crash:
   * at most one per checkpointEveryMs, none while the previous one is still being encoded or sent.
   * `position`: where in its work the job is (jobs/position.ts), for its recipe's resume hook.
   */
  checkpointImage(frame: RgbFrame | (() => RgbFrame), position?: JobPosition): void {
    if (!this.wantsCheckpointImage()) return;
    this.lastCheckpointImage = performance.now();
    this.checkpointBusy = true;
    const done = () => { this.checkpointBusy = false; };
    try {
      Promise.resolve(this.sink.checkpoint!(typeof frame === 'function' ? frame() : frame, position)).then(done, done);
    } catch (e) {
      done();
      throw e;
    }
  }
}
