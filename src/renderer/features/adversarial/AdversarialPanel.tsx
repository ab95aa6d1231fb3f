// The Adversarial tab (the Attribution tab's neighbour): fooling images and adversarial examples of the
// selected photo. Pick a target class (search the model's labels by name, or an index, or any other
// class), a method and its settings; Run starts a job (progress, live preview, Pause / Resume / Cancel);
// the result shows side by side with the top-5 before and after and the target's confidence along the steps.
import { useEffect } from 'react';
import type { ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { useAtom, useAtomValue } from '../../state/store';
import { jobPreviewsAtom, jobsAtom } from '../jobs/atoms';
import { JobControls } from '../jobs/JobControls';
import { isActive, jobStatusText } from '../jobs/state';
import { Banners } from '../notices/Banners';
import { selectedRunIdAtom } from '../run/atoms';
import { runsOf } from '../run/runOf';
import { advFormAtom, advJobIdAtom, advShownIdAtom, METHOD_FORM, type AdversarialForm } from './atoms';
import { AdversarialResult, adversarialSummary } from './AdversarialResult';
import { describeTarget, runAdversarial, showAdversarial } from './service';
import './adversarial.css';

const NUM_TEST_IDS = { eps: 'adv-eps', stepSize: 'adv-step-size', steps: 'adv-steps' } as const;

function Num({ label, name, title }: { label: string; name: keyof typeof NUM_TEST_IDS; title: string }) {
  const [form, setForm] = useAtom(advFormAtom);
  return (
    <label className="field" title={title}>
      <span className="small muted">{label}</span>
      <input className="mono adv-num" data-testid={NUM_TEST_IDS[name]} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
    </label>
  );
}

function TargetPicker({ model }: { model: ModelRecord | undefined }) {
  const [form, setForm] = useAtom(advFormAtom);
  const labels = model?.labels;
  const resolved = describeTarget(form.target, labels);
  return (
    <div className="adv-target-picker">
      <label className="field">
        <span className="small muted">target</span>
        <select data-testid="adv-target-mode" value={form.targetMode} onChange={(e) => setForm({ ...form, targetMode: e.target.value as AdversarialForm['targetMode'] })}>
          <option value="class">this class</option>
          <option value="any">any other class (untargeted)</option>
        </select>
      </label>
      {form.targetMode === 'class' && (
        <label className="field grow">
          <span className="small muted">{labels ? `class name (${labels.length} classes) or index` : 'class index'}</span>
          <input className="mono" data-testid="adv-target" list="adv-target-options" value={form.target} placeholder={labels ? 'e.g. tench' : 'e.g. 0'} onChange={(e) => setForm({ ...form, target: e.target.value })} />
          {labels && (
            <datalist id="adv-target-options">
              {labels.map((l, i) => <option key={i} value={l}>{i}</option>)}
            </datalist>
          )}
          <span className={`small ${resolved.index === undefined && form.target.trim() ? 'error-text' : 'muted'}`} data-testid="adv-target-resolved">{resolved.text}</span>
        </label>
      )}
    </div>
  );
}

export function AdversarialPanel({ project, model, photo }: { project: ProjectState; model: ModelRecord | undefined; photo: PhotoRecord | undefined }) {
  const [form, setForm] = useAtom(advFormAtom);
  const [shownId, setShownId] = useAtom(advShownIdAtom);
  const jobId = useAtomValue(advJobIdAtom);
  const job = useAtomValue(jobsAtom).find((j) => j.id === jobId);
  const previews = useAtomValue(jobPreviewsAtom);
  const picked = useAtomValue(selectedRunIdAtom);
  const active = !!job && isActive(job.state);
  // a job that just finished (or a run picked in History) selects its run: show it
  useEffect(() => {
    if (picked && project.runs.some((r) => r.id === picked && r.kind === 'adversarial')) setShownId(picked);
  }, [picked]);
  const runs = runsOf(project.runs, 'adversarial')
    .filter((r) => !photo || r.photoId === photo.id || r.id === shownId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const shown = runs.find((r) => r.id === shownId) ?? runs[0];
  const noClasses = !!model && !model.description.classifierOutput;
  const setMethod = (method: AdversarialForm['method']) => setForm({ ...form, method, ...METHOD_FORM[method] });

  return (
    <div className="adv-panel" data-testid="adversarial-panel">
      <div className="adv-controls">
        <TargetPicker model={model} />
        <div className="row wrap adv-row">
          <label className="field">
            <span className="small muted">method</span>
            <select data-testid="adv-method" value={form.method} onChange={(e) => setMethod(e.target.value as AdversarialForm['method'])}>
              <option value="pgd">PGD: gradient sign, L∞ budget ε</option>
              <option value="fool">Fooling image (CS231n): ascend until top-1</option>
            </select>
          </label>
          {form.method === 'pgd' && <Num label="ε (0..255 levels)" name="eps" title="no pixel moves by more than ε levels" />}
          <Num label={form.method === 'pgd' ? 'step size (levels)' : 'step size (L2, levels)'} name="stepSize" title={form.method === 'pgd' ? 'each step moves every pixel by ± this much' : 'each step has this L2 length'} />
          <Num label={form.method === 'pgd' ? 'steps' : 'max steps'} name="steps" title={form.method === 'pgd' ? 'PGD steps' : 'gives up after this many'} />
          {form.method === 'pgd' && (
            <label className="adv-check-field" title="bisect ε in (0, ε] with a few more PGD runs">
              <input type="checkbox" data-testid="adv-min-eps" checked={form.minEps} onChange={(e) => setForm({ ...form, minEps: e.target.checked })} /> smallest ε
            </label>
          )}
          <label className="field" title="8-bit: the model sees whole pixel levels after every step, so the saved PNG is exactly what fooled it; ε and PGD's step round to whole levels">
            <span className="small muted">space</span>
            <select data-testid="adv-space" value={form.space} onChange={(e) => setForm({ ...form, space: e.target.value as AdversarialForm['space'] })}>
              <option value="float">float pixels</option>
              <option value="8bit">8-bit (whole levels)</option>
            </select>
          </label>
          <button className="button primary" data-testid="adv-run" disabled={!model || !photo || active || noClasses} onClick={() => void runAdversarial()}>
            Run
          </button>
        </div>
        <div className="muted small">
          {!model ? 'select a model' : noClasses ? `${model.name} has no class outputs: adversarial examples need a classifier` : model.name} · {photo ? `${photo.name}, resized to ${model?.preprocess.width ?? '?'}×${model?.preprocess.height ?? '?'} (the model's input size)` : 'select a photo'}
        </div>
      </div>
      <Banners area="run" />
      {runs.length > 1 && (
        <div className="adv-runs" data-testid="adv-runs">
          {runs.map((r) => (
            <button key={r.id} className={`adv-run-item ${shown?.id === r.id ? 'selected' : ''}`} data-testid="adv-run-item" data-run-id={r.id} onClick={() => showAdversarial(r.id)}>
              <span className="small">{new Date(r.createdAt).toLocaleTimeString()}</span>
              <span className="muted small">{adversarialSummary(r)}</span>
            </button>
          ))}
        </div>
      )}
      {job && active && (
        <div className={`adv-live job job-${job.state}`} data-testid="adv-live" data-job-id={job.id} data-job-state={job.state} data-progress={job.progress}>
          <div className="adv-preview">
            {previews[job.id] ? <img src={previews[job.id]} alt="adversarial image and difference, live" data-testid="adv-preview" /> : <div className="empty">Compiling the gradient…</div>}
            <div className="small muted">adversarial | difference (amplified)</div>
          </div>
          <div className="adv-live-meta">
            <div className="progress">
              <div className="progress-fill" data-testid="adv-progress" style={{ width: `${Math.round(job.progress * 100)}%` }} />
            </div>
            <div className="muted small" data-testid="adv-status">{jobStatusText(job, { withState: true })}</div>
            <JobControls job={job} size="small" testId={(action) => `adv-${action}`} cancelLabel="Cancel (keep the best so far)" />
          </div>
        </div>
      )}
      {shown ? <AdversarialResult run={shown} /> : !active && <div className="empty big">Pick a target class and press Run: the original, the adversarial image and their difference appear here.</div>}
    </div>
  );
}
