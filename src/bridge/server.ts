// Browser mode: the same UI and the same engine as the desktop app, over loopback HTTP + WebSocket.
//   GET  /, /assets/…   the built renderer (out/renderer)
//   GET  /ws            WebSocket carrying WireMessages (requests in, responses and events out)
//   POST /upload        streams a file into the upload folder, answers { uploadId }
// Every request and socket must carry the token (see auth.ts); Host/Origin are checked against DNS rebinding
// and against pages on other loopback ports. No frame and no upload may take the process down (frames.ts).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ContractError, isChannel, parseArgs, type WireMessage } from '../shared/contract';
import { cookieName, fetchSiteAllowed, hostAllowed, newToken, originAllowed, requestToken, tokenMatches } from './auth';
import { EngineProcess } from './engineProcess';
import { busyReply, checkFrame, FrameGuard, MAX_WS_MESSAGE, type Request } from './frames';
import { staleLinkPage } from './stalePage';
import { serveStatic } from './staticFiles';
import { receiveUpload, uploadKind, UploadError, type UploadLimits } from './upload';

export interface BridgeOptions {
  /** 0 picks a free port */
  port?: number;
  /** loopback only; anything else is refused */
  host?: '127.0.0.1' | 'localhost' | '::1';
  /** default: a fresh random token */
  token?: string;
  /** the built renderer; default out/renderer next to this bundle */
  rendererDir?: string;
  /** engine host entry; default out/main/host.js next to this bundle, else the TypeScript source */
  hostEntry?: string;
  /** extra environment for the engine process (tests set FEATURESCOPE_DATA_DIR) */
  engineEnv?: Record<string, string>;
  log?: (line: string) => void;
  /** bytes per upload kind; default UPLOAD_LIMITS (tests use small ones) */
  uploadLimits?: UploadLimits;
  /** the command the person ran, named by the page an old link gets; default $FEATURESCOPE_LAUNCH_COMMAND (set by scripts/start.mjs) */
  launchCommand?: string;
}

export interface Bridge {
  url: string;
  port: number;
  token: string;
  uploadDir: string;
  engine: EngineProcess;
  close(): Promise<void>;
}

/** Where the built files are, whether we run from out/main/bridge.js or from the TypeScript source. */
export function defaultPaths(): { rendererDir: string; hostEntry: string } {
  const builtHost = join(__dirname, 'host.js');
  if (existsSync(builtHost)) return { rendererDir: resolve(__dirname, '../renderer'), hostEntry: builtHost };
  const repo = resolve(__dirname, '../..');
  return {
    rendererDir: join(repo, 'out/renderer'),
    hostEntry: existsSync(join(repo, 'out/main/host.js'))
      ? join(repo, 'out/main/host.js')
      : join(repo, 'src/main/engine/host/main.ts'),
  };
}

export async function startBridge(options: BridgeOptions = {}): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(`bridge: --host must be a loopback address (127.0.0.1), got "${host}"`);
  }
  const defaults = defaultPaths();
  const rendererDir = resolve(options.rendererDir ?? defaults.rendererDir);
  const hostEntry = resolve(options.hostEntry ?? defaults.hostEntry);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`bridge: built UI not found at ${rendererDir} (run \`npm run build\`)`);
  }
  const token = options.token ?? newToken();
  const log = options.log ?? (() => undefined);
  const launchCommand = options.launchCommand ?? process.env.FEATURESCOPE_LAUNCH_COMMAND ?? 'node out/main/bridge.js';
  const uploadDir = await mkdtemp(join(tmpdir(), 'featurescope-uploads-'));
  const engine = new EngineProcess({
    entry: hostEntry,
    env: { FEATURESCOPE_UPLOAD_DIR: uploadDir, ...options.engineEnv },
    log: options.log,
  });
  engine.start();

  let port = 0;
  const sockets = new Set<WebSocket>();
  engine.onEvent((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      log(`bridge: ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isUpload = url.pathname === '/upload';
    if (!hostAllowed(req.headers.host) || !originAllowed(req.headers.origin, req.headers.host) || (isUpload && !fetchSiteAllowed(req.headers['sec-fetch-site']))) {
      return refuse(req, res, 403, 'Forbidden: this server only answers the page it served itself (Host/Origin check).');
    }
    const given = requestToken(req, url, port);
    if (!tokenMatches(token, given?.token)) {
      if (req.method === 'GET' && !isUpload && (req.headers.accept ?? '').includes('text/html')) {
        // an old or incomplete link (or a cookie from an earlier start): say what to do, and drop the stale cookie
        res.writeHead(403, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          ...(given?.from === 'cookie' ? { 'set-cookie': `${cookieName(port)}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` } : {}),
        });
        return void res.end(staleLinkPage(launchCommand, given?.from));
      }
      return refuse(req, res, 403, `Forbidden: missing or wrong token. Open the full URL that \`${launchCommand}\` printed last.`);
    }
    // First load: move the token from the URL into an HttpOnly cookie (replacing any older one), then drop it from the address bar.
    if (given?.from === 'query' && req.method === 'GET') {
      url.searchParams.delete('token');
      res.writeHead(303, {
        'set-cookie': `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname + url.search,
        'cache-control': 'no-store',
      });
      return void res.end();
    }
    if (isUpload) {
      if (req.method !== 'POST') return refuse(req, res, 405, 'upload: use POST');
      const name = url.searchParams.get('name') ?? 'upload';
      try {
        const result = await receiveUpload(req, uploadDir, name, uploadKind(url.searchParams.get('kind')), options.uploadLimits);
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        return void res.end(JSON.stringify(result));
      } catch (err) {
        if (err instanceof UploadError) return refuse(req, res, err.status, err.message);
        throw err;
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(req, res, 405, 'method not allowed');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    await serveStatic(rendererDir, url.pathname, res, req.method === 'HEAD');
  }

  // A socket or server 'error' without a listener would end the process: every one is logged instead.
  server.on('error', (err) => log(`bridge: server error: ${err.message}`));
  server.on('clientError', (err, socket) => {
    log(`bridge: bad HTTP from a client: ${err.message}`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE });
  wss.on('error', (err) => log(`bridge: WebSocket server error: ${err.message}`));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log(`bridge: socket error during the handshake: ${err.message}`));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ok =
      url.pathname === '/ws' &&
      hostAllowed(req.headers.host) &&
      originAllowed(req.headers.origin, req.headers.host) &&
      fetchSiteAllowed(req.headers['sec-fetch-site']) &&
      tokenMatches(token, requestToken(req, url, port)?.token);
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
  });

  function onSocket(ws: WebSocket): void {
    sockets.add(ws);
    const guard = new FrameGuard();
    // queued requests have nobody to answer once the socket is gone
    ws.on('close', () => (sockets.delete(ws), guard.waiting.splice(0)));
    // ws reports oversize frames (1009) and invalid UTF-8 (1007) as an 'error' and closes the socket itself
    ws.on('error', (err) => log(`bridge: WebSocket closed on a bad frame: ${err.message}`));
    const reply = (r: WireMessage): void => {
      // a client that stops reading must not make us buffer without end
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_WS_MESSAGE * 4) return void ws.terminate();
      ws.send(JSON.stringify(r));
    };
    /** To the engine; when answered, the next queued request of this socket goes. */
    const send = (msg: Request): void => {
      const clientId = msg.id;
      const done = (): void => {
        const next = guard.finished();
        if (next) send(next);
      };
      try {
        engine.request(msg.channel, msg.args, (r) => {
          reply({ ...r, id: clientId });
          done();
        }, typeof msg.rid === 'string' ? msg.rid : undefined);
      } catch (err) {
        reply({ type: 'response', id: clientId, ok: false, error: { message: (err as Error).message, code: 'engine-unavailable' } });
        done();
      }
    };
    ws.on('message', (data, isBinary) => {
      const frame = checkFrame(data, isBinary, guard);
      if (frame.kind === 'close') return ws.close(frame.code, frame.reason);
      const msg = frame.msg;
      // Validate here too: a bad request is answered without a round trip to the engine.
      try {
        if (!isChannel(msg.channel)) throw new ContractError(`unknown request "${String(msg.channel)}"`);
        parseArgs(msg.channel, msg.args);
      } catch (err) {
        return reply({ type: 'response', id: msg.id, ok: false, error: { message: (err as Error).message, code: 'bad-request' } });
      }
      const admitted = guard.admit(msg);
      if (admitted === 'send') send(msg);
      else if (admitted === 'busy') reply(busyReply(msg.id));
    });
  }

  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolveListen());
    });
  } catch (err) {
    // e.g. EADDRINUSE: leave nothing behind (the engine process would keep this process alive)
    await engine.close();
    await rm(uploadDir, { recursive: true, force: true });
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  const urlHost = host === '::1' ? '[::1]' : host;

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    uploadDir,
    engine,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await engine.close();
      await rm(uploadDir, { recursive: true, force: true });
    },
  };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * An error answer; when the request body was not read (a refused or oversize upload) the connection is
 * closed right after the answer instead of reading the rest (a 3 GiB body stays unread).
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  const unread = !req.complete;
  if (unread) res.setHeader('connection', 'close');
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text, () => {
    if (unread) req.destroy();
  });
}
