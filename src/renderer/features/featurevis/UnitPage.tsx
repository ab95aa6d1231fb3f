// A unit's page (model, layer, channel), at its own address: what maximizes it (channel and centre neuron),
// what minimizes it, a diversity set for its facets, where it fires on the selected photo, a first
// convolution's own kernel, and the preprocessing its images went through. Every image is a job on demand,
// found again in the project's saved runs with the same settings. The page is a column of sections, so
// panels about the unit's dataset examples go in as sections of their own.
import type { JobInfo, ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { useEffect } from 'react';
import { useAtomValue } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { isActive, jobStatusText } from '../jobs/state';
import { ActivationMap } from './ActivationMap';
import { unitHash, type UnitAddress } from './address';
import { ArtifactImage } from './ArtifactImage';
import { fvFiltersAtom, fvFormAtom, fvJobsAtom } from './atoms';
import { indexRuns, unitImages, type CachedImage, type FvRunSettings, type Variant } from './cache';
import { UnitFilter } from './Filters';
import { formKey, formSeed, resolvedFormSettings, settingsLabel, type PreprocessUsed } from './form';
import { SettingsForm } from './SettingsForm';
import { DatasetPanels } from './DatasetPanels';
import { TuningPanel } from './TuningPanel';
import { adoptSavedSettings } from './formState';
import { closeUnit, openUnit } from './navigation';
import { channelCount, featurevisRuns, preprocessUsed } from './project';
import { DIVERSITY_ITEMS, exportImage, renderUnit } from './service';

const CARDS: { variant: Exclude<Variant, 'diversity'>; title: string; what: string }[] = [
  { variant: 'channel', title: 'Channel', what: 'maximizes the mean of the channel over all positions' },
  { variant: 'neuron', title: 'Neuron (centre)', what: 'maximizes the one unit at the centre of the map' },
  { variant: 'negative', title: 'Negative', what: 'minimizes the channel: what it responds to least' },
];

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** The unit's value, not the ±1-weighted objective: a negative image reads as the channel going down. */
function valueText(img: CachedImage): string {
  return `${img.variant === 'neuron' ? 'neuron' : 'mean'} ${img.value.toPrecision(3)} (start ${img.valueStart.toPrecision(3)})`;
}

function ImageFigure({ img, alt, testId }: { img: CachedImage; alt: string; testId: string }) {
  return (
    <figure className="fv-figure">
      <ArtifactImage artifactId={img.artifactId} alt={alt} className="pixelated" testId={`${testId}-image`} />
      <figcaption className="small">
        <span className="muted mono" data-testid={`${testId}-value`} title="the unit's activation on this image, and on the starting noise">
          {valueText(img)}
        </span>
        <button className="link-button" data-testid={`${testId}-export`} title="PNG with its settings in a text chunk" onClick={() => void exportImage(img)}>
          Export PNG
        </button>
      </figcaption>
    </figure>
  );
}

function RenderOrWait({ job, label, testId, onRender }: { job: JobInfo | undefined; label: string; testId: string; onRender: () => void }) {
  if (job) {
    return (
      <div className="fv-waiting muted small" data-testid={`${testId}-job`} data-job-state={job.state}>
        {jobStatusText(job, { withState: true })}
      </div>
    );
  }
  return (
    <button className="button small" data-testid={`${testId}-render`} onClick={onRender}>
      {label}
    </button>
  );
}

function preprocessText(p: PreprocessUsed): string {
  return `${p.preset} · ${p.channelOrder} · values ${p.rangeMin}–${p.rangeMax} · mean ${p.mean.join(', ')} · std ${p.std.join(', ')}`;
}

function PreprocessSection({ settings, model }: { settings: FvRunSettings | undefined; model: ModelRecord }) {
  const p = settings?.preprocess ?? preprocessUsed(model);
  return (
    <section className="fv-section" data-testid="fv-preprocess">
      <h3>Input preprocessing</h3>
      <div className="mono small" data-testid="fv-preprocess-used">
        {preprocessText(p)}
      </div>
      <div className="muted small">
        {settings
          ? `What these images went through before the model saw them (${settings.modelInput.width}×${settings.modelInput.height}, ${settings.modelInput.channels} channel${settings.modelInput.channels === 1 ? '' : 's'}, input ${settings.modelInput.name}).`
          : 'Nothing rendered yet: images will go through the model’s preprocessing as set in the Model tab.'}{' '}
        The [0,1] image is mapped to this range first; a wrong range or channel order does not fail, it silently makes the pictures meaningless.
      </div>
    </section>
  );
}

export function UnitPage({ project, unit, photo }: { project: ProjectState; unit: UnitAddress; photo: PhotoRecord | undefined }) {
  const form = useAtomValue(fvFormAtom);
  const jobs = useAtomValue(jobsAtom);
  const metas = useAtomValue(fvJobsAtom);
  const filters = useAtomValue(fvFiltersAtom)[unit.modelId];
  const model = project.models.find((m) => m.id === unit.modelId);
  const layer = model?.description.layers.find((l) => l.name === unit.layer);
  const count = model && layer ? channelCount(model, layer) : null;
  useEffect(() => {
    if (model && layer) adoptSavedSettings(project, model, layer.name, unit.channel);
  }, [model?.id, layer?.name, unit.channel, project.path, project.runs.length]);
  if (!model || !layer || count === null || unit.channel >= count) {
    return (
      <div className="fv-unit" data-testid="fv-unit-missing">
        <button className="link-button" data-testid="fv-back" onClick={closeUnit}>
          ← layer grid
        </button>
        <div className="empty big">
          {`The address ${unitHash(unit)} names no unit of this project: ${!model ? 'no such model' : !layer ? `${model.name} has no layer “${unit.layer}”` : `“${unit.layer}” has ${count === null ? 'no channels' : `channels 0–${count - 1}`}`}.`}
        </div>
      </div>
    );
  }
  const key = safe(() => formKey(form, preprocessUsed(model)));
  const seed = safe(() => formSeed(form)) ?? undefined;
  const resolved = safe(() => resolvedFormSettings(form));
  const index = indexRuns(featurevisRuns(project));
  const images = (variant: Variant): CachedImage[] =>
    key ? unitImages(index, { modelId: model.id, layer: layer.name, key, channel: unit.channel, variant, ...(seed !== undefined ? { seed } : {}) }) : [];
  const jobFor = (variant: Variant): JobInfo | undefined =>
    jobs.find((j) => {
      const m = metas[j.id];
      return !!m && isActive(j.state) && m.modelId === model.id && m.layer === layer.name && m.key === key && m.variant === variant && m.channels.includes(unit.channel);
    });
  const shown = [...CARDS.map((c) => images(c.variant)[0]), ...images('diversity')].filter((x): x is CachedImage => !!x);
  const settingsOfShown = featurevisRuns(project).find((r) => r.id === shown[0]?.runId)?.settings;
  const diversity = images('diversity');
  const firstLayerFilters = filters && !('error' in filters) && filters.layers.includes(layer.name) ? filters : null;
  const render = (variant: Variant) => () => void renderUnit(model, unit, variant);
  const channelImage = images('channel')[0];

  return (
    <div className="fv-unit" data-testid="fv-unit" data-unit={unitHash(unit)}>
      <header className="fv-unit-head">
        <button className="link-button" data-testid="fv-back" onClick={closeUnit} title="back to the layer grid">
          ← {layer.name}
        </button>
        <h2 className="fv-unit-title">
          Channel {unit.channel} <span className="muted">of {count}</span>
        </h2>
        <span className="muted small">
          {model.name} · <span className="mono">{layer.name}</span> {layer.opType}
        </span>
        <span className="spacer" />
        <button className="button tiny" data-testid="fv-prev" disabled={unit.channel === 0} onClick={() => openUnit({ ...unit, channel: unit.channel - 1 })}>
          ‹ {unit.channel - 1 >= 0 ? unit.channel - 1 : ''}
        </button>
        <button className="button tiny" data-testid="fv-next" disabled={unit.channel + 1 >= count} onClick={() => openUnit({ ...unit, channel: unit.channel + 1 })}>
          {unit.channel + 1 < count ? unit.channel + 1 : ''} ›
        </button>
      </header>
      <div className="muted small mono fv-address" data-testid="fv-address" title="this unit's address in the project">
        {unitHash(unit)}
      </div>
      <SettingsForm channelCount={null} unitPage />
      <div className="muted small" data-testid="fv-unit-settings">
        {resolved ? `settings: ${settingsLabel({ ...resolved, preprocess: preprocessUsed(model) })}${seed !== undefined ? ` · seed ${seed}` : ''}` : 'a setting is not valid'}
      </div>

      <section className="fv-section">
        <h3>Feature visualization</h3>
        <div className="fv-cards">
          {CARDS.map((c) => {
            const img = images(c.variant)[0];
            return (
              <div key={c.variant} className="fv-card" data-testid={`fv-unit-${c.variant}`} data-state={img ? 'rendered' : jobFor(c.variant) ? 'rendering' : 'empty'}>
                <div className="fv-card-title">{c.title}</div>
                <div className="muted small">{c.what}</div>
                {img ? (
                  <ImageFigure img={img} alt={`${c.title} of channel ${unit.channel}`} testId={`fv-unit-${c.variant}`} />
                ) : (
                  <RenderOrWait job={jobFor(c.variant)} label="Render" testId={`fv-unit-${c.variant}`} onRender={render(c.variant)} />
                )}
              </div>
            );
          })}
          {firstLayerFilters && (
            <div className="fv-card">
              <div className="fv-card-title">Learned filter</div>
              <div className="muted small">a first convolution reads the image, so its kernel is a picture</div>
              <UnitFilter filters={firstLayerFilters} channel={unit.channel} />
            </div>
          )}
        </div>
      </section>

      <section className="fv-section" data-testid="fv-unit-diversity" data-state={diversity.length ? 'rendered' : jobFor('diversity') ? 'rendering' : 'empty'}>
        <h3>Diversity</h3>
        <div className="muted small">
          {DIVERSITY_ITEMS} images rendered together, pushed apart by Lucid’s diversity term (Gram-matrix similarity at this layer), so a unit that responds to several things shows each
        </div>
        {diversity.length ? (
          <div className="fv-cards">
            {diversity.map((img, i) => (
              <ImageFigure key={img.item} img={img} alt={`facet ${i + 1} of channel ${unit.channel}`} testId={`fv-unit-diversity-${i}`} />
            ))}
          </div>
        ) : (
          <RenderOrWait job={jobFor('diversity')} label={`Render ${DIVERSITY_ITEMS} diverse images`} testId="fv-unit-diversity" onRender={render('diversity')} />
        )}
      </section>

      <ActivationMap project={project} model={model} layer={layer} channel={unit.channel} channelCount={count} photo={photo} />
      <DatasetPanels model={model} layer={layer} channel={unit.channel} />
      <TuningPanel project={project} model={model} layer={layer} channel={unit.channel} photo={photo}
        featureImage={channelImage && { runId: channelImage.runId, artifactId: channelImage.artifactId }} />
      <PreprocessSection settings={settingsOfShown} model={model} />
    </div>
  );
}
