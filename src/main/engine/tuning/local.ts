// A tuning sweep in this process, through the job's own two halves (prepare → the worker half under a
// JobControl): what the CLI and the tests run, so they take the app's code path with a WorkerEnv of their own.
import type { ModelRecord } from '../../../shared/contract';
import type { LoadedModel } from '../onnx/inspect';
import type { JobControl } from '../jobs/control';
import type { WorkerEnv } from '../recipes/types';
import { prepareTuning, runTuning, type TuningInput, type TuningOutput } from './tuning';

export async function runTuningLocally(o: {
  lm: LoadedModel; rec: ModelRecord; settings: unknown; env: WorkerEnv; control: JobControl; source?: { bytes: Uint8Array; name: string };
}): Promise<{ input: TuningInput; output: TuningOutput; title: string }> {
  const p = await prepareTuning({
    rec: o.rec, model: o.lm.model, modelRef: { sha: o.lm.sha256, fileName: o.lm.fileName, ...(o.lm.path ? { path: o.lm.path } : {}) },
    settings: o.settings, ...(o.source ? { source: o.source } : {}),
  });
  const output = await runTuning(p.input, o.control, o.env);
  return { input: p.input, output, title: p.title };
}
