// Sandboxed preload: exposes exactly one object, `window.featurescope` (the contract's FeaturescopeApi).
// [Note: engine port] Main hands this page a MessagePort whose other end is in the engine process
// (utilityProcess), so requests and events go straight to the engine without a hop through main.
// Main itself only sends `featurescope:event` (e.g. a project opened from the File menu) and answers the
// native dialog calls. The page never sees ipcRenderer.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { Args, Channel, EventMap, EventName, FeaturescopeApi, Result, WireMessage } from '../shared/contract';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; channel: string };

let port: MessagePort | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();
const queue: WireMessage[] = [];
const listeners = new Map<string, Set<(p: unknown) => void>>();

function emit(event: string, payload: unknown): void {
  for (const l of listeners.get(event) ?? []) l(payload);
}

function onWire(msg: WireMessage): void {
  if (msg.type === 'response') {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
  } else if (msg.type === 'event') {
    emit(msg.event, msg.payload);
  }
}

ipcRenderer.on('featurescope:engine-port', (event) => {
  const next = event.ports[0];
  if (!next) return;
  // A new port means the engine was (re)started: whatever was in flight on the old one is lost.
  if (port) {
    port.close();
    for (const [id, p] of pending) {
      p.reject(new Error(`the engine restarted during "${p.channel}"`));
      pending.delete(id);
    }
  }
  port = next;
  port.onmessage = (e: MessageEvent) => onWire(e.data as WireMessage);
  port.start();
  for (const msg of queue.splice(0)) port.postMessage(msg);
});

ipcRenderer.on('featurescope:event', (_event, msg: WireMessage) => {
  if (msg && msg.type === 'event') emit(msg.event, msg.payload);
});

const api: FeaturescopeApi = {
  mode: 'electron',
  invoke<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>> {
    const msg: WireMessage = { type: 'request', id: nextId++, channel, args };
    return new Promise<Result<C>>((resolve, reject) => {
      pending.set(msg.id, { resolve: resolve as (v: unknown) => void, reject, channel });
      if (port) port.postMessage(msg);
      else queue.push(msg);
    });
  },
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const l = listener as (p: unknown) => void;
    set.add(l);
    return () => void set.delete(l);
  },
  pickFile: (kind) => ipcRenderer.invoke('featurescope:pick-file', kind) as Promise<string | null>,
  pickProjectPath: (mode) => ipcRenderer.invoke('featurescope:pick-project', mode) as Promise<string | null>,
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('featurescope', api);
