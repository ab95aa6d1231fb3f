// `--provider auto|cuda|dml|coreml|webgpu|cpu` for the commands that run models: the same resolution
// (probe + CPU fallback with a plain-words reason) the app's engine status uses.
import type { EngineStatus, ProviderSetting } from '../../shared/contract';
import { PROVIDER_NAMES, resolveProvider } from '../../main/engine/runtime/providers';
import { stringFlag, UsageError, type ParsedFlags } from './types';

const SETTINGS: ProviderSetting[] = ['auto', ...PROVIDER_NAMES];

export function providerFlag(f: ParsedFlags): ProviderSetting {
  const v = stringFlag(f, 'provider') ?? 'auto';
  if (!(SETTINGS as string[]).includes(v)) throw new UsageError(`--provider must be one of ${SETTINGS.join(', ')} (got "${v}")`);
  return v as ProviderSetting;
}

/** Resolve the flag to the provider sessions are made on (EngineStatus.active, with fallbackReason when it fell back). */
export function resolveProviderFlag(f: ParsedFlags): Promise<EngineStatus> {
  return resolveProvider(providerFlag(f));
}

/**
 * Prints the first fallback reason on stderr, once per process: the provider setting could not be used
 * at all (probe), or it started but could not take this model (session creation).
 */
let printed = false;
export function reportFallback(...reasons: (string | undefined)[]): string | undefined {
  const reason = reasons.find((r) => r);
  if (reason && !printed) {
    printed = true;
    console.error(reason);
  }
  return reason;
}
