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

/** Integer in [lo, hi], both inclusive (numpy's randint(lo, hi + 1)). */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}
