// The one error type the engine answers with: a stable `code` (tests and the UI branch on it, e.g.
// 'no-project', 'no-such-item', 'bad-args', 'worker-crashed', 'cancelled') and a message in plain words
// that names the file, the op or the setting. Every transport carries it as {message, code}.
export class EngineError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/** The code of any error: EngineError's own, another error's `code` string, or undefined. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
