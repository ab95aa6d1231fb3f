import type { ProjectState } from '../../../shared/contract';
import { tabForRunKind } from '../../app/featureTabs';
import { formatDuration, formatTime } from '../../components/format';
import { useAtom, useSetAtom } from '../../state/store';
import { selectedRunIdAtom, tabAtom } from './atoms';
import { runSummary, runTitle } from './results';
import { removeRun } from './service';

export function HistoryPanel({ project }: { project: ProjectState }) {
  const [runId, setRunId] = useAtom(selectedRunIdAtom);
  const setTab = useSetAtom(tabAtom);
  const runs = [...project.runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (runs.length === 0) return <div className="empty big">No runs yet.</div>;
  return (
    <div className="history table-scroll">
      <table className="table" data-testid="history-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Run</th>
            <th>Result</th>
            <th>Provider</th>
            <th className="num">Time</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr
              key={r.id}
              className={r.id === runId ? 'selected' : ''}
              onClick={() => {
                setRunId(r.id);
                setTab(tabForRunKind(r.kind));
              }}
            >
              <td className="muted">{formatTime(r.createdAt)}</td>
              <td className="wrap">
                {runTitle(
                  r,
                  project.models.find((m) => m.id === r.modelId)?.name,
                  project.photos.find((p) => p.id === r.photoId)?.name,
                )}
              </td>
              <td className={`wrap ${r.status === 'done' ? '' : 'error-text'}`}>{runSummary(r)}</td>
              <td className="muted">{r.provider}</td>
              <td className="num mono">{formatDuration(r.durationMs)}</td>
              <td>
                <button
                  className="icon-button"
                  title="Delete this run"
                  onClick={(e) => {
                    e.stopPropagation();
                    void removeRun(r.id);
                  }}
                >
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
