// [Note: feature tabs] Engine features with their own screen (attribution, dream, …) add a tab here with
// ONE line, instead of editing ProjectScreen. A tab's `id` is stored in saved views: never rename it.
// `runKinds` are the RunRecord kinds the tab shows: History opens those runs in this tab (the tab reads
// `selectedRunIdAtom` from features/run/atoms to know which run was picked).
import type { ReactNode } from 'react';
import type { ModelRecord, PhotoRecord, ProjectState, RunKind } from '../../shared/contract';
import { AttributionPanel } from '../features/attribution/AttributionPanel';
import { AdversarialPanel } from '../features/adversarial/AdversarialPanel';
import { DreamPanel } from '../features/dream/DreamPanel';
import { FeaturesPanel } from '../features/featurevis/FeaturesPanel';
import { StylePanel } from '../features/style/StylePanel';
import { DatasetPanel } from '../features/dataset/DatasetPanel';
import { GraphPanel } from '../features/graph/GraphPanel';

export interface TabContext {
  project: ProjectState;
  /** the selected model and photo (sidebar), when any */
  model: ModelRecord | undefined;
  photo: PhotoRecord | undefined;
}

export interface FeatureTab {
  id: string;
  label: string;
  runKinds?: RunKind[];
  render(ctx: TabContext): ReactNode;
}

/** The built-in tabs (Model, Run, History) live in ProjectScreen; these come between Run and History, in this order. */
export const featureTabs: FeatureTab[] = [
  { id: 'attribution', label: 'Attribution', runKinds: ['attribution'], render: (ctx) => <AttributionPanel {...ctx} /> },
  { id: 'adversarial', label: 'Adversarial', runKinds: ['adversarial'], render: (ctx) => <AdversarialPanel {...ctx} /> },
  { id: 'dream', label: 'Dream', runKinds: ['dream'], render: (ctx) => <DreamPanel {...ctx} /> },
  { id: 'features', label: 'Features', runKinds: ['featurevis', 'tuning'], render: (ctx) => <FeaturesPanel {...ctx} /> },
  { id: 'style', label: 'Style', runKinds: ['style', 'stylize'], render: (ctx) => <StylePanel {...ctx} /> },
  { id: 'dataset', label: 'Dataset', runKinds: ['datasetIndex'], render: (ctx) => <DatasetPanel {...ctx} /> },
  { id: 'graph', label: 'Graph', render: (ctx) => <GraphPanel {...ctx} /> },
];

export const CORE_TABS = ['model', 'run', 'history'] as const;

export function isKnownTab(id: unknown): id is string {
  return typeof id === 'string' && ((CORE_TABS as readonly string[]).includes(id) || featureTabs.some((t) => t.id === id));
}

/** The tab that shows runs of this kind: a feature's tab, else the Run tab. */
export function tabForRunKind(kind: RunKind): string {
  return featureTabs.find((t) => t.runKinds?.includes(kind))?.id ?? 'run';
}
