// The Features tab's layer page: pick a model and a layer, set the render, "Render layer", and watch the
// grid fill. Tiles come from the project's saved runs (cache.ts), so a layer rendered before shows at once
// with the settings it was rendered with; other settings render anew and both stay, listed in "settings".
import { useEffect } from 'react';
import type { ModelRecord, ProjectState } from '../../../shared/contract';
import { formatShape } from '../../components/format';
import { useAtomValue, useSetAtom } from '../../state/store';
import { LayerList } from '../models/LayerList';
import { selectedModelIdAtom } from '../models/atoms';
import { selectedLayerAtom } from '../run/atoms';
import { fvFiltersAtom, fvFormAtom, fvQueueingAtom } from './atoms';
import { gridTiles, indexRuns, layerVariants, type SettingsVariant } from './cache';
import { parseChannels } from './channels';
import { FilterGrid } from './Filters';
import { formFromSettings, formKey, formSeed, type FvForm } from './form';
import { LayerGrid } from './LayerGrid';
import { LayerRender } from './LayerRender';
import { SettingsForm } from './SettingsForm';
import { adoptSavedSettings, loadRunSettings } from './formState';
import { channelCount, featurevisRuns, preprocessUsed } from './project';
import { loadFilters, renderId, renderLayer } from './service';

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** Whether this variant can be rendered again exactly by the form on the model as it is now (see formFromSettings). */
function loadable(settings: SettingsVariant['settings'], key: string, model: ModelRecord, form: FvForm): boolean {
  const next = formFromSettings(settings, form);
  return !!next && safe(() => formKey(next, preprocessUsed(model))) === key;
}

export function LayerPage({ project, model }: { project: ProjectState; model: ModelRecord | undefined }) {
  const setModelId = useSetAtom(selectedModelIdAtom);
  const layerName = useAtomValue(selectedLayerAtom);
  const form = useAtomValue(fvFormAtom);
  const queueing = useAtomValue(fvQueueingAtom);
  const filters = useAtomValue(fvFiltersAtom)[model?.id ?? ''];
  useEffect(() => {
    if (model) void loadFilters(model.id);
  }, [model?.id]);

  const layer = model?.description.layers.find((l) => l.name === layerName);
  useEffect(() => {
    if (model && layer) adoptSavedSettings(project, model, layer.name);
  }, [model?.id, layer?.name, project.path, project.runs.length]);
  // the picked layer in view in the (short) layer list, e.g. after coming back to the tab
  useEffect(() => {
    document.querySelector('.fv-layers tr.selected')?.scrollIntoView({ block: 'nearest' });
  }, [model?.id, layer?.name]);
  const count = model && layer ? channelCount(model, layer) : null;
  const key = model ? safe(() => formKey(form, preprocessUsed(model))) : null;
  const seed = safe(() => formSeed(form)) ?? undefined;
  const channels = count !== null ? safe(() => parseChannels(form.channels, count)) : null;
  const runs = featurevisRuns(project);
  const tiles = model && layer && key ? gridTiles(indexRuns(runs), { modelId: model.id, layer: layer.name, key, ...(seed !== undefined ? { seed } : {}) }) : new Map();
  const variants = model && layer ? layerVariants(runs, model.id, layer.name) : [];
  const todo = channels?.filter((c) => !tiles.has(c)).length ?? 0;
  const showFilters = filters && !('error' in filters) && layer && filters.layers.includes(layer.name) ? filters : null;

  return (
    <div className="fv-layer-page" data-testid="fv-layer-page">
      <div className="fv-pick">
        <label className="fv-field">
          <span className="muted small">Model</span>
          <select data-testid="fv-model" value={model?.id ?? ''} onChange={(e) => setModelId(e.target.value || null)}>
            {!model && <option value="">choose a model</option>}
            {project.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <div className="fv-field grow">
          <span className="muted small">Layer</span>
          <div className="fv-layer-name" data-testid="fv-layer">
            {layer ? (
              <>
                <span className="mono">{layer.name}</span> <span className="muted small">{layer.opType} {formatShape(layer.shape)}</span>
                {count === null && <span className="error-text small"> · no channels to render: pick a [1,C,H,W] feature map</span>}
              </>
            ) : (
              <span className="muted">pick a layer below</span>
            )}
          </div>
        </div>
      </div>
      {model ? (
        <div className="fv-layers">
          <LayerList layers={model.description.layers} size={model.description.inspectedSize} />
        </div>
      ) : (
        <div className="empty">Add a model to browse what its units respond to.</div>
      )}
      <SettingsForm channelCount={count} />
      <div className="row fv-row">
        <button
          className="button primary"
          data-testid="fv-render"
          disabled={!model || !layer || count === null || !key || !channels || queueing}
          onClick={() => model && layer && void renderLayer(project, model, layer)}
        >
          {queueing ? 'Queueing…' : 'Render layer'}
        </button>
        <span className="muted small" data-testid="fv-render-note">
          {!channels || count === null
            ? ''
            : todo === 0
              ? `all ${channels.length} channels shown are rendered with these settings`
              : `${channels.length - todo} of ${channels.length} rendered`}
        </span>
        {variants.length > 0 && (
          <label className="fv-variants small">
            <span className="muted">settings:</span>
            <select
              data-testid="fv-variant"
              value={variants.some((v) => v.key === key) ? key ?? '' : ''}
              onChange={(e) => {
                const v = variants.find((x) => x.key === e.target.value);
                if (v && model) loadRunSettings(v.settings, v.key, model, { touch: true });
              }}
            >
              {!variants.some((v) => v.key === key) && <option value="">these settings (nothing rendered yet)</option>}
              {variants.map((v) => {
                const ok = !!model && loadable(v.settings, v.key, model, form);
                return (
                  <option key={v.key} value={v.key} disabled={!ok} title={ok ? undefined : 'rendered with settings this form cannot set (e.g. from the CLI), or with another preprocessing than the model has now'}>
                    {v.label} ({v.channels} channel{v.channels === 1 ? '' : 's'})
                  </option>
                );
              })}
            </select>
          </label>
        )}
      </div>
      {model && layer && key && channels && <LayerRender renderKey={renderId(model.id, layer.name, key)} />}
      {showFilters && <FilterGrid filters={showFilters} />}
      {model && layer && key && channels ? (
        <LayerGrid modelId={model.id} layer={layer.name} channels={channels} tiles={tiles} settingsKey={key} />
      ) : (
        model && <div className="empty big">Pick a layer with channels, choose a preset, then Render layer. Every image is saved in the project with its settings.</div>
      )}
    </div>
  );
}
