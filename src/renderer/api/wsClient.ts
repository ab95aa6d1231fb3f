// Browser mode: FeaturescopeApi over the bridge's WebSocket (/ws) and POST /upload. The token travels
// in the HttpOnly cookie the bridge set on the first page load, so this code never sees it.
import type { FeaturescopeApi, WireMessage } from '../../shared/contract';
import { createContractClient, EngineError } from '../../shared/contract-client';

/** Connection state is not a contract event; the status bar shows it. */
export const connectionListeners = new Set<(connected: boolean) => void>();

export function createWsApi(base: Location = window.location): FeaturescopeApi {
  const wsUrl = `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/ws`;
  const client = createContractClient();
  let retryMs = 250;

  function connect(): void {
    const ws = new WebSocket(wsUrl);
    ws.onopen = () => {
      retryMs = 250;
      client.connect((msg) => ws.send(JSON.stringify(msg)));
      for (const l of connectionListeners) l(true);
    };
    ws.onmessage = (e) => client.receive(JSON.parse(String(e.data)) as WireMessage);
    // Also fires when a connection attempt fails, so requests made while the server is down fail too.
    ws.onclose = () => {
      client.disconnect(
        (channel) => new EngineError('disconnected', `connection to the Featurescope server was lost during "${channel}"`),
      );
      for (const l of connectionListeners) l(false);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }

  connect();

  return {
    mode: 'browser',
    invoke: client.invoke,
    on: client.on,
    async upload(file: File): Promise<string> {
      const kind = /\.(onnx|bin)$/i.test(file.name) ? 'model' : /\.(txt|csv|json)$/i.test(file.name) ? 'labels' : 'photo';
      const res = await fetch(`/upload?kind=${kind}&name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        body: file,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/octet-stream' },
      });
      if (!res.ok) throw new EngineError('upload', (await res.text()) || `upload of "${file.name}" failed (${res.status})`);
      const body = (await res.json()) as { uploadId: string };
      return body.uploadId;
    },
  };
}
