// Host domain "project": create / open / close the project file, recent projects, the saved view, and
// the built-in InceptionV3 every new project starts with.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DefaultModelStatus, ModelRecord } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { ProjectStore } from '../../store/project';
import { listRecent } from '../../store/recent';
import { sha256 } from '../onnx/inspect';
import { ensureDefaultModel } from '../importers/default-model';
import type { HostContext, Handlers } from './context';

export interface DefaultModelState {
  get(): DefaultModelStatus | undefined;
  set(s: DefaultModelStatus): void;
}

/**
 * Builds (or finds cached) the default model and adds it to the open project; the outcome is reported in
 * the engine status (`defaultModel: {state, message}`), for the UI to say once.
 */
export async function buildDefaultModel(ctx: HostContext, state: DefaultModelState): Promise<ModelRecord> {
  const store = ctx.project();
  state.set({ state: 'building' });
  try {
    const info = await ensureDefaultModel();
    const bytes = await fs.promises.readFile(info.path);
    const sha = sha256(bytes);
    if (store.state().models.some((m) => m.sha256 === sha)) throw new EngineError('exists', `${info.name} is already in this project.`);
    const description = await ctx.worker.inspect({ sha, fileName: path.basename(info.path), bytes, path: info.path });
    // embedded (~20 MB): a project is one file that can be copied or mailed, and the data folder's cached copy is not part of it
    const rec = store.addModel({ name: info.name, path: info.path, sha256: sha, description, preprocess: info.preprocess }, bytes);
    state.set({ state: 'ready' });
    ctx.changed();
    return rec;
  } catch (e) {
    const err = e as Error;
    if (err instanceof EngineError && err.code === 'exists') {
      state.set({ state: 'ready' });
      throw err;
    }
    // the importer's message starts "The default InceptionV3 model …"; say the subject once
    const why = err.message.trim().replace(/^The default InceptionV3 model /, '');
    const reason = /[.!?]$/.test(why) ? why : `${why}.`;
    const message = `The built-in InceptionV3 model is not available: ${reason} Everything else works; add your own ONNX or TF.js model.`;
    state.set({ state: 'failed', message });
    throw new EngineError('default-model-failed', message);
  }
}

export function projectHandlers(ctx: HostContext, defaults: DefaultModelState): Handlers<'project:create' | 'project:open' | 'project:close' | 'project:recent' | 'project:state' | 'project:saveView' | 'model:addDefault'> {
  return {
    'project:create': async ({ path: file }) => {
      ctx.setProject(ProjectStore.create(file));
      // FEATURESCOPE_NO_DEFAULT_MODEL=1 skips it (tests that count their own models)
      if (process.env.FEATURESCOPE_NO_DEFAULT_MODEL !== '1') {
        try {
          await buildDefaultModel(ctx, defaults);
        } catch (e) {
          console.error(`featurescope: no default model in this project: ${(e as Error).message}`);
        }
      }
      return ctx.project().state();
    },
    'project:open': ({ path: file }) => {
      ctx.setProject(ProjectStore.open(file));
      return ctx.project().state();
    },
    'project:close': () => {
      ctx.setProject(null);
      return null;
    },
    'project:recent': () => listRecent(),
    'project:state': () => {
      try {
        return ctx.project().state();
      } catch {
        return null;
      }
    },
    'project:saveView': ({ view }) => {
      ctx.project().saveView(view);
      return null;
    },
    'model:addDefault': () => buildDefaultModel(ctx, defaults),
  };
}
