// Pause / resume / cancel for a running dream. The loop calls `checkpoint()` between steps and tiles:
// while paused it waits there (the engine stays responsive: nothing runs), and after cancel it
// returns true so the loop can stop and keep the last complete frame.
export class DreamControl {
  private paused = false;
  private cancelled = false;
  private wake: (() => void) | undefined;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Waits while paused. Resolves true when the run should stop. */
  async checkpoint(): Promise<boolean> {
    while (this.paused && !this.cancelled) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return this.cancelled;
  }
}

/** mulberry32: a tiny seeded generator, so a seed gives the same jitter on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi], both inclusive (numpy's randint(lo, hi + 1)). */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}
