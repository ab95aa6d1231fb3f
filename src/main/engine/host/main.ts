// Entry of the engine PROCESS. Runs as
//   - a Node `child_process.fork` child: WireMessages via process.send / process.on('message'), or
//   - an Electron `utilityProcess`: WireMessages via process.parentPort; the Electron main may also
//     transfer MessagePorts ({type:'port'} with the ports in event.ports) for direct renderer links.
// Every connected client gets every event. Also accepted: {type:'config', uploadDir} (where the bridge
// writes uploads; FEATURESCOPE_UPLOAD_DIR does the same from the environment).
import { ContractError, isChannel, type EventMap, type EventName, type WireMessage } from '../../../shared/contract';
import { isGrantMessage, PathGrants } from './grants';
import { Host } from './host';

interface Client {
  send(m: WireMessage): void;
}

/** The bits of Electron's MessagePortMain / ParentPort we use (no electron import in the engine). */
interface PortLike {
  on(event: 'message', l: (e: { data: unknown; ports?: PortLike[] }) => void): void;
  on(event: 'close', l: () => void): void;
  postMessage(m: unknown): void;
  start?(): void;
}

const clients = new Set<Client>();

function broadcast<E extends EventName>(event: E, payload: EventMap[E]): void {
  const msg: WireMessage = { type: 'event', event, payload };
  for (const c of clients) {
    try {
      c.send(msg);
    } catch {
      clients.delete(c);
    }
  }
}

// Every path a client names must have been granted (grants.ts); only the parent (Electron main, the bridge) grants.
const grants = new PathGrants();
let parent: Client | null = null;

const host = new Host({ emit: broadcast, ...(process.env.FEATURESCOPE_UPLOAD_DIR ? { uploadDir: process.env.FEATURESCOPE_UPLOAD_DIR } : {}) });

function errorCode(e: unknown): string | undefined {
  if (e instanceof ContractError) return 'bad-args';
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

async function onMessage(raw: unknown, from: Client, ports: PortLike[] = []): Promise<void> {
  if (!raw || typeof raw !== 'object') return;
  const m = raw as { type?: string; id?: unknown; channel?: unknown; args?: unknown; uploadDir?: unknown; rid?: unknown };
  // ports and the upload folder come from the parent only: a page that could set the upload folder could
  // read any file as an "upload" without a grant
  if ((m.type === 'port' || m.type === 'config') && from !== parent) return;
  if (m.type === 'port') {
    for (const p of ports) addPort(p);
    return;
  }
  if (m.type === 'config') {
    if (typeof m.uploadDir === 'string') host.uploadDir = m.uploadDir;
    return;
  }
  if (isGrantMessage(raw)) {
    // a page's MessagePort cannot grant itself anything
    if (from !== parent) return from.send({ type: 'response', id: raw.id, ok: false, error: { message: 'grant: only the app itself may grant paths', code: 'not-granted' } });
    try {
      grants.grant(raw.path, raw.access);
      from.send({ type: 'response', id: raw.id, ok: true, result: null });
    } catch (e) {
      from.send({ type: 'response', id: raw.id, ok: false, error: { message: (e as Error).message, code: errorCode(e) ?? 'bad-args' } });
    }
    return;
  }
  if (m.type !== 'request' || typeof m.id !== 'number') return;
  const id = m.id;
  try {
    if (!isChannel(m.channel)) throw new ContractError(`unknown request "${String(m.channel)}"`);
    grants.check(m.channel, m.args);
    const result = await host.handle(m.channel, m.args, typeof m.rid === 'string' && m.rid.length <= 200 ? m.rid : undefined);
    if (m.channel === 'project:create' || m.channel === 'project:open') grants.setProject((result as { path: string }).path);
    else if (m.channel === 'project:close') grants.setProject(null);
    from.send({ type: 'response', id, ok: true, result: result ?? null });
  } catch (e) {
    const code = errorCode(e);
    from.send({ type: 'response', id, ok: false, error: { message: (e as Error).message ?? String(e), ...(code ? { code } : {}) } });
  }
}

function addPort(port: PortLike): void {
  const client: Client = { send: (msg) => port.postMessage(msg) };
  clients.add(client);
  port.on('message', (e) => void onMessage(e.data, client, e.ports ?? []));
  port.on('close', () => clients.delete(client));
  port.start?.();
}

const parentPort = (process as unknown as { parentPort?: PortLike }).parentPort;
if (parentPort) {
  // Electron utilityProcess
  const client: Client = { send: (msg) => parentPort.postMessage(msg) };
  clients.add(client);
  parent = client;
  parentPort.on('message', (e) => void onMessage(e.data, client, e.ports ?? []));
} else if (process.send) {
  // After the parent went away, send() would throw; the answer has nobody to go to anyway.
  const client: Client = { send: (msg) => { if (process.connected) process.send?.(msg); } };
  clients.add(client);
  parent = client;
  process.on('message', (msg) => void onMessage(msg, client));
  // The parent went away: close the project cleanly (checkpoint the WAL) and exit.
  process.on('disconnect', () => void shutdown(0));
} else {
  console.error('featurescope engine host: start me with child_process.fork or Electron utilityProcess.fork');
  process.exit(2);
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  try {
    await host.dispose();
  } finally {
    process.exit(code);
  }
}
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
