// Sandboxed preload: exposes exactly one object, `window.featurescope` (the contract's FeaturescopeApi).
// [Note: engine port] Main hands this page a MessagePort whose other end is in the engine process
// (utilityProcess), so requests and events go straight to the engine without a hop through main.
// Main itself only sends `featurescope:event` (e.g. a project opened from the File menu) and answers the
// native dialog calls. The page never sees ipcRenderer.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { FeaturescopeApi, WireMessage } from '../shared/contract';
import { createContractClient } from '../shared/contract-client';

const client = createContractClient();
let port: MessagePort | null = null;

ipcRenderer.on('featurescope:engine-port', (event) => {
  const next = event.ports[0];
  if (!next) return;
  // A new port means the engine was (re)started: whatever was in flight on the old one is lost.
  if (port) {
    port.close();
    client.disconnect((channel) => new Error(`the engine restarted during "${channel}"`));
  }
  port = next;
  port.onmessage = (e: MessageEvent) => client.receive(e.data as WireMessage);
  port.start();
  client.connect((msg) => next.postMessage(msg));
});

// Main sends events only; anything else on this channel is not ours to settle.
ipcRenderer.on('featurescope:event', (_event, msg: WireMessage) => {
  if (msg && msg.type === 'event') client.receive(msg);
});

// [Note: grants] A dropped file's path is granted to the engine through main before any request that
// names it: pathForFile starts the grant, and every request waits for the grants started before it.
let grants: Promise<unknown> = Promise.resolve();

function pathForFile(file: File): string {
  const path = webUtils.getPathForFile(file);
  if (path) {
    const grant = ipcRenderer.invoke('featurescope:grant-dropped', path);
    // a refused grant shows up as the engine's own "not chosen" answer to the request
    grants = Promise.all([grants, grant.catch(() => undefined)]);
  }
  return path;
}

const api: FeaturescopeApi = {
  mode: 'electron',
  invoke: (channel, args) => grants.then(() => client.invoke(channel, args)),
  on: client.on,
  pickFile: (kind) => ipcRenderer.invoke('featurescope:pick-file', kind) as Promise<string | null>,
  pickProjectPath: (mode) => ipcRenderer.invoke('featurescope:pick-project', mode) as Promise<string | null>,
  pathForFile,
};

contextBridge.exposeInMainWorld('featurescope', api);
