// Picking runs of one kind out of ProjectState.runs. A RunRecord is a union discriminated by `kind`
// ([Note: typed runs] in src/shared/jobs/runs.ts), so `run.kind === 'dream'` already narrows it; these
// keep the narrowing through a function call and an array filter, where an inline test would lose it.
import type { RunKind, RunOf, RunRecord } from '../../../shared/contract';

export function isRunOf<K extends RunKind>(run: RunRecord, kind: K): run is RunOf<K> {
  return run.kind === kind;
}

/** The runs of one kind, typed as that kind (order kept). */
export function runsOf<K extends RunKind>(runs: readonly RunRecord[], kind: K): RunOf<K>[] {
  return runs.filter((r): r is RunOf<K> => isRunOf(r, kind));
}
