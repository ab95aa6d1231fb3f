// One saved style run: the picture, how it ended, its final losses per term and layer (against the start),
// the settings it ran with (the layers as resolved and why), timings, the loss curve, and what to do next:
// export PNG / JPEG with the settings embedded, put the settings back in the form, continue from the picture.
import { useEffect } from 'react';
import type { ProjectState, RunOf } from '../../../shared/contract';
import { formatDuration } from '../../components/format';
import { useAtomValue } from '../../state/store';
import { artifactsAtom } from '../run/atoms';
import { loadArtifact } from '../run/service';
import { styleFormAtom } from './atoms';
import { formatLoss, savedCurve } from './curve';
import { LossChart } from './LossChart';
import { continueStyle, exportStyle, loadRunSettings } from './service';

type StyleRun = RunOf<'style'>;

const MODE_WORDS = { transfer: 'style transfer', texture: 'texture synthesis', inversion: 'feature inversion' } as const;

export function styleSummary(run: StyleRun): string {
  const r = run.result;
  const ended = run.status === 'cancelled' ? `cancelled after ${r.iterationsDone} iterations (image kept)` : `done · ${r.iterationsDone} iterations`;
  return `${ended} · loss ${formatLoss(r.losses.total)}`;
}

/** Results up to this many pixels show their own image as a thumbnail; bigger ones would ship a huge PNG for it. */
const THUMB_MAX_PIXELS = 4_000_000;

export function StyleThumb({ run }: { run: StyleRun }) {
  const artifacts = useAtomValue(artifactsAtom);
  const image = run.artifacts.find((a) => a.mime === 'image/png');
  const small = !!image && run.result.width * run.result.height <= THUMB_MAX_PIXELS;
  useEffect(() => {
    if (small && image) void loadArtifact(image.id);
  }, [small, image?.id]);
  const src = small && image ? artifacts[image.id] : undefined;
  return src ? <img className="style-strip-image" src={src} alt="" /> : <div className="style-strip-image empty" />;
}

function LossTable({ run }: { run: StyleRun }) {
  const { losses: end, lossesStart: start } = run.result;
  const s = run.settings;
  const rows: { term: string; layer?: string; start: number; end: number }[] = [
    ...(s.contentWeight > 0 ? s.contentLayers.map((layer, i) => ({ term: 'content', layer, start: start.contentLayers[i] ?? 0, end: end.contentLayers[i] ?? 0 })) : []),
    ...(s.styleWeight > 0 && s.mode !== 'inversion' ? s.styleLayers.map((layer, i) => ({ term: 'style', layer, start: start.styleLayers[i] ?? 0, end: end.styleLayers[i] ?? 0 })) : []),
    ...(s.tvWeight > 0 ? [{ term: 'TV', start: start.tv, end: end.tv }] : []),
  ];
  return (
    <table className="table style-losses" data-testid="style-losses">
      <thead>
        <tr><th>term</th><th>layer</th><th className="num">start</th><th className="num">final</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.term}-${r.layer ?? ''}`}>
            <td>{r.term}</td>
            <td className="mono">{r.layer ?? ''}</td>
            <td className="num mono muted">{formatLoss(r.start)}</td>
            <td className="num mono">{formatLoss(r.end)}</td>
          </tr>
        ))}
        <tr className="style-total">
          <td>total</td><td />
          <td className="num mono muted">{formatLoss(start.total)}</td>
          <td className="num mono" data-testid="style-final-loss">{formatLoss(end.total)}</td>
        </tr>
      </tbody>
    </table>
  );
}

function SettingsList({ run, project }: { run: StyleRun; project: ProjectState }) {
  const s = run.settings;
  const photo = (id: string | undefined) => project.photos.find((p) => p.id === id)?.name ?? 'a removed photo';
  const model = project.models.find((m) => m.id === run.modelId)?.name ?? 'a removed model';
  const stages = s.stages.map((st) => `${st.width}×${st.height}${st.tile ? ` (${st.tile.count} tiles of ${st.tile.size} px)` : ''}`).join(' → ');
  const items: [string, string][] = [
    ['mode', MODE_WORDS[s.mode]],
    ...(run.photoId ? [['content', photo(run.photoId)] as [string, string]] : []),
    ...(s.styles.length ? [['style', s.styles.map((x) => `${photo(x.photoId)}${s.styles.length > 1 ? ` ×${x.weight}` : ''}`).join(' + ')] as [string, string]] : []),
    ['loss network', `${model} · ${s.preprocess.preset} (${s.preprocess.channelOrder}, ${s.preprocess.rangeMin}..${s.preprocess.rangeMax})`],
    ['layers', `${s.layerChoice.content === 'preset' || s.layerChoice.style === 'preset' ? `preset ${s.layerChoice.preset ?? ''}` : 'chosen'}: ${s.layerChoice.reason}`],
    ['weights', `content ${s.contentWeight} · style ${s.styleWeight} · TV ${s.tvWeight}`],
    ['optimizer', s.optimizer === 'lbfgs' ? `L-BFGS (history ${s.lbfgsHistory})` : `Adam, learning rate ${s.lr}`],
    ['iterations', `${run.status === 'cancelled' ? `${run.result.iterationsDone} of ` : ''}${s.stages.map((st) => st.iterations).join(' + ')}`],
    ['start', run.settings.fromRunId ? 'continued from an earlier result' : s.init === 'content' ? 'the content photo' : s.init === 'style' ? 'the first style image' : 'noise'],
    ['size', `${stages}${s.styleScale !== 1 ? ` · style scale ${s.styleScale}` : ''}`],
    ['options', [s.originalColors ? "photo's colours kept" : 'colours transferred', s.normalizeGradients ? 'normalized gradients' : ''].filter(Boolean).join(' · ')],
  ];
  return (
    <dl className="style-settings-list small" data-testid="style-run-settings">
      {items.map(([k, v]) => (
        <div key={k}><dt className="muted">{k}</dt><dd>{v}</dd></div>
      ))}
      <div><dt className="muted">seed</dt><dd className="mono" data-testid="style-seed">{s.seed}</dd></div>
    </dl>
  );
}

export function StyleResult({ run, project }: { run: StyleRun; project: ProjectState }) {
  const artifacts = useAtomValue(artifactsAtom);
  const form = useAtomValue(styleFormAtom);
  const image = run.artifacts.find((a) => a.mime === 'image/png');
  useEffect(() => {
    if (image) void loadArtifact(image.id);
  }, [image?.id]);
  const src = image ? artifacts[image.id] : undefined;
  const { width, height, timings } = run.result;
  return (
    <div className="style-result" data-testid="style-result" data-run-id={run.id} data-run-status={run.status}>
      <div className="style-picture">
        {src ? <img src={src} alt="style result" data-testid="style-result-image" /> : <div className="empty">{image ? 'Loading…' : 'No image stored.'}</div>}
        <div className="small muted">{width}×{height} · {run.provider.toUpperCase()} · {formatDuration(timings.totalMs)} ({timings.msPerIteration.toFixed(0)} ms per iteration{timings.compileMs ? `, ${formatDuration(timings.compileMs)} compiling` : ''})</div>
      </div>
      <div className="style-meta">
        <div className={`style-summary ${run.status}`} data-testid="style-summary">{styleSummary(run)}</div>
        <div className="row style-actions">
          <button className="button small" data-testid="style-export-png" title="the settings, photos, model and losses travel in the PNG's text chunk" onClick={() => void exportStyle(run, 'png')}>Export PNG</button>
          <button className="button small" data-testid="style-export-jpeg" title="the same record travels in the JPEG's XMP packet" onClick={() => void exportStyle(run, 'jpeg')}>Export JPEG</button>
          <button className="button small" data-testid="style-use-settings" onClick={() => loadRunSettings(run)}>Use these settings</button>
          <button className="button small primary" data-testid="style-continue" title={`${form.iterations} more iterations (the form's Iterations) from this image, at ${width}×${height}, with this run's settings`} onClick={() => void continueStyle(run)}>
            Continue from this result
          </button>
        </div>
        <LossChart curve={savedCurve(run.result.curve, run.settings.stages)} finals={run.result.losses} testId="style-result-chart" />
        <LossTable run={run} />
        <SettingsList run={run} project={project} />
        {run.result.fallbackReason && <div className="small muted">{run.result.fallbackReason}</div>}
      </div>
    </div>
  );
}
