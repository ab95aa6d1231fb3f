// Where attribution's sessions run. Every forward and gradient session is made through the runtime
// module (runtime/sessions.ts createSession), so attribution honours the app's provider setting, its
// CPU fallback and its thread count exactly like the compute worker; this records which provider each
// session landed on so a saved run says what really ran.
import type * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../../shared/contract';
import { createSession, type SessionPlacement } from '../runtime/sessions';

export class AttributionSessions {
  /** the first reason a session could not go on the placement's provider (reported once per attributor) */
  fallbackReason: string | undefined;
  private readonly providerOf = new WeakMap<ort.InferenceSession, ExecutionProviderName>();

  constructor(readonly placement: SessionPlacement = { provider: 'cpu' }) {}

  async create(bytes: Uint8Array): Promise<ort.InferenceSession> {
    const made = await createSession({ bytes }, this.placement);
    if (made.fallbackReason) this.fallbackReason ??= made.fallbackReason;
    this.providerOf.set(made.session, made.provider);
    return made.session;
  }

  /** The provider a session made here runs on. */
  provider(session: ort.InferenceSession): ExecutionProviderName {
    return this.providerOf.get(session) ?? 'cpu';
  }
}

/**
 * One provider name for a run: the provider every session it used ran on; when some fell back to CPU
 * the run was (partly) on CPU, and says so.
 */
export function runProvider(used: ReadonlySet<ExecutionProviderName>): ExecutionProviderName {
  return used.size === 1 ? [...used][0]! : 'cpu';
}
