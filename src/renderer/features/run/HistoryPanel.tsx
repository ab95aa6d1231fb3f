import type { ProjectState } from '../../../shared/contract';
import { formatDuration, formatTime } from '../../components/format';
import { selectRun } from '../../state/selection';
import { useAtomValue } from '../../state/store';
import { selectedRunIdAtom } from './atoms';
import { runSummary, runTitle } from './results';
import { removeRun } from './service';

type UnreadableRun = NonNullable<ProjectState['unreadableRuns']>[number];

/** Runs the store kept in the file but could not read (damaged, or a record version from a newer
 * Featurescope): say how many, with each one's reason on hover, so they do not vanish silently. */
function UnreadableRuns({ runs }: { runs: UnreadableRun[] }) {
  const n = runs.length;
  return (
    <div className="banners">
      <div className="banner banner-notice" data-testid="history-unreadable" title={runs.map((r) => `${r.kind} run ${r.id}: ${r.reason}`).join('\n')}>
        <span className="banner-text">{`${n} run${n === 1 ? '' : 's'} could not be read (saved by a newer Featurescope?)`}</span>
      </div>
    </div>
  );
}

export function HistoryPanel({ project }: { project: ProjectState }) {
  const runId = useAtomValue(selectedRunIdAtom);
  const runs = [...project.runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const unreadable = project.unreadableRuns ?? [];
  const notice = unreadable.length > 0 && <UnreadableRuns runs={unreadable} />;
  if (runs.length === 0)
    return (
      <>
        {notice}
        <div className="empty big">No runs yet.</div>
      </>
    );
  return (
    <div className="history table-scroll">
      {notice}
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
              data-run-id={r.id}
              data-run-kind={r.kind}
              title="Open this run: its model, photo and layer are selected"
              // the run's model, photo and layer come with it, so its tab shows it for what is selected
              onClick={() => selectRun(r)}
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
