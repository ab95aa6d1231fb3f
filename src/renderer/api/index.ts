// The one place the renderer gets its FeaturescopeApi: Electron's preload (`window.featurescope`), or
// the bridge's WebSocket client in a plain browser. Services import `api` from here; components never do.
import type { FeaturescopeApi, FileSource } from '../../shared/contract';
import { createWsApi } from './wsClient';

declare global {
  interface Window {
    featurescope?: FeaturescopeApi;
  }
}

export const api: FeaturescopeApi = window.featurescope ?? createWsApi();

/** A File the person dropped or picked, as the engine wants it: a real path in Electron, an upload in the browser. */
export async function fileSource(file: File): Promise<FileSource> {
  if (api.pathForFile) {
    const path = api.pathForFile(file);
    if (path) return { kind: 'path', path };
  }
  if (api.upload) return { kind: 'upload', uploadId: await api.upload(file), name: file.name };
  throw new Error(`cannot read "${file.name}": this window has neither file paths nor uploads`);
}

export { EngineError } from '../../shared/contract-client';
