// The engine's memory budget: one number every big allocation is checked against BEFORE it is made, so
// a hostile size (a 60000² input, a 100-MP photo at full size, a huge dream) fails with a message that
// names the file and the setting instead of "Array buffer allocation failed" or the OS killing the engine.
// Default 4 GiB; FEATURESCOPE_MEMORY_BUDGET sets it ("8G", "1500M", or bytes).
import { EngineError } from '../../../shared/errors';

export const BUDGET_ENV = 'FEATURESCOPE_MEMORY_BUDGET';
export const DEFAULT_BUDGET_BYTES = 4 * 2 ** 30;

export class BudgetError extends EngineError {
  declare readonly code: 'over-budget';
  constructor(message: string) {
    super('over-budget', message);
    this.name = 'BudgetError';
  }
}

/** "4G", "512M", "1.5GiB", "4000000000" → bytes; undefined when it is not a size. */
export function parseSize(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(s);
  if (!m) return undefined;
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const v = Number(m[1]) * mult;
  return v > 0 ? Math.floor(v) : undefined;
}

/** The budget in bytes and where it came from (for messages). */
export function memoryBudget(): { bytes: number; from: string } {
  const env = process.env[BUDGET_ENV];
  if (env !== undefined && env !== '') {
    const v = parseSize(env);
    if (v === undefined) throw new BudgetError(`${BUDGET_ENV}="${env}" is not a size (use e.g. 4G or 1500M).`);
    return { bytes: v, from: `${BUDGET_ENV}=${env}` };
  }
  return { bytes: DEFAULT_BUDGET_BYTES, from: `the default; set ${BUDGET_ENV} to change it` };
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  return `${Math.ceil(n / 2 ** 10)} KiB`;
}

/**
 * Throws BudgetError when `bytes` exceeds the budget. `what` says what would be allocated, naming the file
 * and the tensor or setting ("bvlc.onnx's input "data" at 60000×60000"); the message adds the budget's setting.
 */
export function checkBudget(bytes: number, what: string): void {
  const b = memoryBudget();
  if (!(bytes <= b.bytes)) {
    throw new BudgetError(`${what} needs ${formatBytes(bytes)}, more than the engine's memory budget of ${formatBytes(b.bytes)} (${b.from}).`);
  }
}
