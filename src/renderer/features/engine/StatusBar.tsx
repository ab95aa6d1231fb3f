import type { ProviderSetting } from '../../../shared/contract';
import { api } from '../../api';
import { useAtomValue } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { projectAtom } from '../project/atoms';
import { connectedAtom, engineDownAtom, engineStatusAtom, fallbackDismissedAtom } from './atoms';
import { dismissFallback, setProvider } from './service';
import { AboutButton } from '../about/About';

const NAMES: Record<string, string> = { cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML', webgpu: 'WebGPU', cpu: 'CPU' };

export function StatusBar() {
  const status = useAtomValue(engineStatusAtom);
  const dismissed = useAtomValue(fallbackDismissedAtom);
  const connected = useAtomValue(connectedAtom);
  const down = useAtomValue(engineDownAtom);
  const project = useAtomValue(projectAtom);
  const running = useAtomValue(jobsAtom).filter((j) => j.state === 'running').length;
  const reason = status?.fallbackReason;
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`dot ${connected && !down ? 'ok' : 'bad'}`} />
      <span>{connected ? (api.mode === 'browser' ? 'Browser mode' : 'Desktop') : 'Reconnecting to the engine…'}</span>
      {(down || !connected) && (
        <span className="error-text" role="status" data-testid="engine-down">
          {down ? `${down} Restarting it and reopening the project…` : 'The Featurescope server is not answering; running jobs are interrupted.'}
        </span>
      )}
      {project && <span className="muted mono">{project.path}</span>}
      <span className="spacer" />
      {reason && reason !== dismissed && (
        <span className="fallback" data-testid="fallback-reason">
          {reason}
          <button className="icon-button" title="Dismiss" onClick={() => dismissFallback(reason)}>
            ×
          </button>
        </span>
      )}
      {running > 0 && <span>{running} running</span>}
      <span data-testid="active-provider">Engine: {status ? NAMES[status.active] ?? status.active : '…'}</span>
      <label className="provider">
        <span className="muted">Provider</span>
        <select
          data-testid="provider-select"
          value={status?.setting ?? 'auto'}
          disabled={!status}
          onChange={(e) => void setProvider(e.target.value as ProviderSetting)}
        >
          {(['auto', 'cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const).map((p) => (
            <option key={p} value={p}>
              {p === 'auto' ? 'auto' : NAMES[p]}
              {p !== 'auto' && status && !status.available.includes(p) ? ' (not in this build)' : ''}
            </option>
          ))}
        </select>
      </label>
      <AboutButton />
    </footer>
  );
}
