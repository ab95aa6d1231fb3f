// Finding rendered images again. Every featurevis run saved in the project is read into a flat list of
// images — one per rendered item the feature can show: a channel (the layer grid and the unit page's
// positive image), its negative, its centre neuron, or one facet of a diversity set — each with the key of
// the settings it was rendered with (form.ts: settingsKey). The grid and the unit page look images up by
// (model, layer, channel, variant, key[, seed]), newest run first; items this feature does not show
// (class, direction, whole-layer and mixed objectives from the CLI) are left out.
import type { z } from 'zod';
import type { FeatureItem, featurevisResultSchema, featurevisRunSettingsSchema } from '../../../shared/jobs/featurevis';
import { settingsKey, settingsLabel, type KeySettings } from './form';

export type FvRunSettings = z.output<typeof featurevisRunSettingsSchema>;
export type FvRunResult = z.output<typeof featurevisResultSchema>;

/** The fields of a saved featurevis run this module reads (RunOf<'featurevis'> has them). */
export interface FvRunLike {
  id: string;
  modelId: string;
  status: 'done' | 'cancelled' | 'failed';
  createdAt: string;
  artifacts: { id: string; name: string; mime: string }[];
  settings: FvRunSettings;
  result: FvRunResult;
}

/** What a unit page shows for one channel: Lucid's channel objective, its negative, the centre neuron, diversity facets. */
export type Variant = 'channel' | 'negative' | 'neuron' | 'diversity';
export const VARIANTS: readonly Variant[] = ['channel', 'negative', 'neuron', 'diversity'];

export interface CachedImage {
  runId: string;
  /** index into the run's settings.items (what featurevis:export takes) */
  item: number;
  artifactId: string;
  /** the item's objective (weight · target) on the final image, and on the starting image */
  objective: number;
  objectiveStart: number;
  /** the unit's own value (the channel's mean, the neuron) at the end and at the start: the objective without its ±1 weight */
  value: number;
  valueStart: number;
  label: string;
  createdAt: string;
  seed: number;
  key: string;
  variant: Variant;
  modelId: string;
  layer: string;
  channel: number;
  runStatus: 'done' | 'cancelled' | 'failed';
}

/** An item as a unit image, or null when it is not one (several terms, other targets, other weights). */
export function classifyItem(item: FeatureItem, diversity: boolean): { variant: Variant; layer: string; channel: number } | null {
  if (item.terms.length !== 1) return null;
  const { target, weight } = item.terms[0]!;
  if (target.kind === 'channel' && weight === 1) return { variant: diversity ? 'diversity' : 'channel', layer: target.layer, channel: target.channel };
  if (target.kind === 'channel' && weight === -1 && !diversity) return { variant: 'negative', layer: target.layer, channel: target.channel };
  // the unit page's neuron is the centre one (x and y left to the engine)
  if (target.kind === 'neuron' && weight === 1 && !diversity && target.x === undefined && target.y === undefined) return { variant: 'neuron', layer: target.layer, channel: target.channel };
  return null;
}

/** The artifact an item's `image` names: stored by name in the recipe's result (ids are assigned on save); an id also works. */
function artifactFor(run: FvRunLike, image: string): string | undefined {
  return (run.artifacts.find((a) => a.name === image) ?? run.artifacts.find((a) => a.id === image))?.id;
}

export function runImages(run: FvRunLike): CachedImage[] {
  if (run.status === 'failed') return [];
  const s = run.settings;
  const key = settingsKey(s);
  const out: CachedImage[] = [];
  for (const r of run.result.items) {
    const item = s.items[r.item];
    const what = item && classifyItem(item, s.diversity !== undefined);
    const artifactId = artifactFor(run, r.image);
    if (!what || !artifactId) continue;
    out.push({
      ...what, runId: run.id, item: r.item, artifactId, objective: r.objective, objectiveStart: r.objectiveStart, label: r.label,
      // the unit images' only weights are +1 and −1
      value: what.variant === 'negative' ? -r.objective : r.objective, valueStart: what.variant === 'negative' ? -r.objectiveStart : r.objectiveStart, createdAt: run.createdAt,
      seed: s.seed, key, modelId: run.modelId, runStatus: run.status,
    });
  }
  return out;
}

/** Every image of these runs, newest run first (items in their run's order). */
export function indexRuns(runs: readonly FvRunLike[]): CachedImage[] {
  return [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).flatMap(runImages);
}

export interface Lookup {
  modelId: string;
  layer: string;
  key: string;
  /** only images of this seed (a seed the person typed); undefined: any */
  seed?: number;
}

function matches(img: CachedImage, q: Lookup): boolean {
  return img.modelId === q.modelId && img.layer === q.layer && img.key === q.key && (q.seed === undefined || img.seed === q.seed);
}

/** channel → its newest image for the layer grid. */
export function gridTiles(index: readonly CachedImage[], q: Lookup): Map<number, CachedImage> {
  const out = new Map<number, CachedImage>();
  for (const img of index) if (img.variant === 'channel' && matches(img, q) && !out.has(img.channel)) out.set(img.channel, img);
  return out;
}

/**
 * The newest run's images of one variant of a unit: one image, or a diversity set's facets in item order.
 * A cancelled diversity run may hold fewer facets than asked for; it is still the newest set.
 */
export function unitImages(index: readonly CachedImage[], q: Lookup & { channel: number; variant: Variant }): CachedImage[] {
  const first = index.find((img) => img.variant === q.variant && img.channel === q.channel && matches(img, q));
  if (!first) return [];
  return index.filter((img) => img.runId === first.runId && img.variant === q.variant && img.channel === q.channel);
}

export interface SettingsVariant {
  key: string;
  label: string;
  /** the settings of its newest run (to load into the form) */
  settings: KeySettings & { preset: string };
  /** channels of the layer grid rendered with it */
  channels: number;
  newest: string;
}

/** The distinct settings a layer's grid was rendered with, newest first. */
export function layerVariants(runs: readonly FvRunLike[], modelId: string, layer: string): SettingsVariant[] {
  const byKey = new Map<string, { settings: FvRunSettings; channels: Set<number>; newest: string }>();
  for (const run of [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt))) {
    for (const img of runImages(run)) {
      if (img.variant !== 'channel' || img.modelId !== modelId || img.layer !== layer) continue;
      const v = byKey.get(img.key) ?? { settings: run.settings, channels: new Set<number>(), newest: run.createdAt };
      v.channels.add(img.channel);
      byKey.set(img.key, v);
    }
  }
  return [...byKey].map(([key, v]) => ({ key, label: settingsLabel(v.settings), settings: v.settings, channels: v.channels.size, newest: v.newest }));
}
