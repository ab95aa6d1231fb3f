// `node out/main/bridge.js [--port N] [--host 127.0.0.1]` — browser mode. Prints the URL (with its
// token) on one line that starts with "Featurescope:", which scripts/start.mjs and the e2e suite read.
import { startBridge } from './server';

const DEFAULT_PORT = 8765;

function parseFlags(argv: string[]): { port: number; host: string; portGiven: boolean } {
  let port = DEFAULT_PORT;
  let portGiven = false;
  let host = '127.0.0.1';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? a.split(/=(.*)/s, 2) : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') {
      portGiven = true;
      port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535`);
    } else if (flag === '--host') host = value();
    else if (flag === '--serve') continue;
    else throw new Error(`unknown flag ${a} (flags: --port N, --host 127.0.0.1)`);
  }
  return { port, host, portGiven };
}

async function main(): Promise<void> {
  const { port, host, portGiven } = parseFlags(process.argv.slice(2));
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    throw new Error(`--host must stay on loopback (127.0.0.1); for remote use, tunnel: ssh -L ${port}:127.0.0.1:${port} you@server`);
  }
  const log = (line: string): void => console.error(line);
  let bridge;
  try {
    bridge = await startBridge({ port, host, log });
  } catch (err) {
    // The default port being taken (a second copy, another program) is no reason to fail; a chosen one is.
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (portGiven) throw new Error(`port ${port} is in use; choose another with --port N (0 = any free port)`);
    bridge = await startBridge({ port: 0, host, log });
  }
  console.log(`Featurescope: open ${bridge.url}`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    bridge.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`featurescope serve: ${(err as Error).message}`);
  process.exit(1);
});
