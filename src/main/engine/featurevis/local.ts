// Feature visualization in this process, through the recipe's own two halves: what the CLI, the benchmark
// and the tests run, so they exercise the same code path as the app (prepare → the worker half under a
// JobControl → the same outcome the host half saves), with a WorkerEnv of their own instead of the engine
// worker's.
import type { ExecutionProviderName, ModelRecord, Preprocess } from '../../../shared/contract';
import { inspectModel, type LoadedModel } from '../onnx/inspect';
import { SessionCache } from '../runtime/sessions';
import { GradientRuntime } from '../gradients/index';
import type { WorkerEnv } from '../recipes/types';
import type { JobControl } from '../jobs/control';
import { featurevisRecipe, prepareFeaturevis, type FeaturevisInput } from '../recipes/featurevis';
import type { FeaturevisOutcome } from './render';

/** A WorkerEnv over one loaded model, with its own session cache and gradient runtime. */
export function localEnv(lm: LoadedModel, provider: ExecutionProviderName = 'cpu', threads?: number): WorkerEnv & { dispose(): Promise<void> } {
  const sessions = new SessionCache(threads);
  const gradients = new GradientRuntime({ sessions, placement: () => ({ provider, ...(threads ? { threads } : {}) }) });
  return {
    model: (ref) => {
      if (ref.sha !== lm.sha256) throw new Error(`this in-process engine holds ${lm.fileName} only`);
      return lm;
    },
    async forward(req) {
      const f = await gradients.forward({ model: { model: lm.model, sha: lm.sha256 }, input: req.input, shape: req.dims, fetch: req.fetch });
      try {
        const sessionMs = f.fresh ? f.createMs : 0;
        const t1 = performance.now();
        const got = await f.run(req.data);
        const outputs = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, { dims: [...v.dims], data: new Float32Array(v.data) }]));
        return { outputs, provider: f.provider, runMs: performance.now() - t1, sessionMs, cached: !f.fresh };
      } finally {
        await f.release();
      }
    },
    placement: () => ({ provider, threads: threads ?? sessions.threads }),
    sessions,
    gradients,
    dispose: () => gradients.release(),
  };
}

/** A model record for a model file outside any project (the CLI's): its description and a preprocessing. */
export async function fileModelRecord(lm: LoadedModel, preprocess?: Preprocess): Promise<ModelRecord> {
  const description = await inspectModel(lm);
  return {
    id: 'file', name: lm.fileName, path: lm.path ?? lm.fileName, sha256: lm.sha256, embedded: false, addedAt: new Date(0).toISOString(),
    description, preprocess: preprocess ?? description.suggestedPreprocess,
  };
}

/** prepare + run, in this process: the outcome the app's host half would save, and the worker's input. */
export async function runFeaturevisLocally(
  o: { lm: LoadedModel; rec: ModelRecord; settings: unknown; env: WorkerEnv; control: JobControl; photo?: { bytes: Uint8Array; name: string }; spectrumPhotos?: { bytes: Uint8Array; name: string }[] },
): Promise<{ input: FeaturevisInput; outcome: FeaturevisOutcome; title: string }> {
  const p = await prepareFeaturevis({
    rec: o.rec, model: o.lm.model, modelRef: { sha: o.lm.sha256, fileName: o.lm.fileName, ...(o.lm.path ? { path: o.lm.path } : {}) },
    settings: o.settings, ...(o.photo ? { photo: o.photo } : {}), ...(o.spectrumPhotos ? { spectrumPhotos: o.spectrumPhotos } : {}),
  });
  const { output } = await featurevisRecipe.run(p.input, o.control, o.env);
  return { input: p.input, outcome: output, title: p.title };
}
