// Tuning curves (Distill "Curve Detectors"): a unit's response to parametric stimuli drawn at its
// receptive field — oriented lines and edges, gratings, curves, colours — and to a photo rotated in
// steps over 360°. The request's settings, the run record's settings (as they ran) and its result.
// Plain zod, no Node: the engine, the CLI and the renderer read the same types.
import { z } from 'zod';

export const TUNING_STIMULI = ['orientation', 'grating', 'curvature', 'colour', 'rotate'] as const;
export type TuningStimulus = (typeof TUNING_STIMULI)[number];

/** What each stimulus sweeps, in words (the UI's picker and the CLI's usage). */
export const STIMULUS_TEXT: Record<TuningStimulus, string> = {
  orientation: 'oriented lines and edges over 360°',
  grating: 'gratings: orientation × spatial period (max over 4 phases)',
  curvature: 'curves: orientation × radius',
  colour: 'colour disks: hue × saturation',
  rotate: 'a photo rotated about the unit’s centre over 360°',
};

const int = z.number().int();

/** The settings a caller gives (defaults filled in by the engine, from the model). */
export const tuningSettingsSchema = z.object({
  layer: z.string().min(1).max(1000),
  channel: int.min(0),
  stimulus: z.enum(TUNING_STIMULI),
  /** angle steps over 360° (orientation, curvature, rotation; gratings use half of them over 180°; colour: hues) */
  steps: int.min(4).max(360).default(24),
  /** stimulus diameter in input pixels; default: the unit's receptive field, clamped to the input */
  size: int.min(4).max(4096).optional(),
  /** the unit's position on the layer's map; default its centre */
  position: z.object({ x: int.min(0), y: int.min(0) }).optional(),
  /** images per forward pass */
  batch: int.min(1).max(64).default(16),
  /**
   * rotate: a project photo (the job's photoId), or this: an image artifact of a run (a feature
   * visualization), or a photo of a dataset (a dataset example)
   */
  source: z.union([
    z.object({ runId: z.string().min(1), artifactId: z.string().min(1) }),
    z.object({ datasetId: z.string().min(1), photoId: int.min(1) }),
  ]).optional(),
});
export type TuningSettingsInput = z.input<typeof tuningSettingsSchema>;
export type TuningSettings = z.output<typeof tuningSettingsSchema>;

const axis = z.object({ name: z.string(), unit: z.string(), values: z.array(z.number()) });
export type TuningAxis = z.output<typeof axis>;

/** As it ran: the size and position resolved, where the unit sits in input pixels. */
export const tuningRunSettingsSchema = tuningSettingsSchema.extend({
  size: int,
  position: z.object({ x: int, y: int }),
  /** the input pixel the stimuli are centred on (the unit's receptive-field centre) */
  centre: z.object({ x: z.number(), y: z.number() }),
  input: z.string(),
  dims: z.array(int),
  preprocess: z.string(),
  sourceName: z.string().optional(),
});
export type TuningRunSettings = z.output<typeof tuningRunSettingsSchema>;

export const tuningResultSchema = z.object({
  stimulus: z.enum(TUNING_STIMULI),
  /** the swept parameter(s): one axis → a line chart; two → a heat map (value index = yi·|x| + xi) */
  x: axis,
  y: axis.optional(),
  /** one curve (or grid) per stimulus family: e.g. "line" and "edge" for orientation */
  series: z.array(z.object({
    label: z.string(),
    /** the unit's activation at its position */
    centre: z.array(z.number()),
    /** the channel's maximum over the whole map */
    max: z.array(z.number()),
  })),
  map: z.object({ height: int, width: int }),
  /** the largest centre response: which series and where */
  peak: z.object({ series: z.string(), x: z.number(), y: z.number().optional(), value: z.number() }),
  images: int,
  timings: z.object({ totalMs: z.number(), drawMs: z.number(), runMs: z.number(), sessionMs: z.number() }),
});
export type TuningResult = z.output<typeof tuningResultSchema>;

/** The value of series `s` at grid cell (xi, yi). */
export function tuningValue(r: TuningResult, s: number, xi: number, yi = 0, which: 'centre' | 'max' = 'centre'): number {
  return r.series[s]![which][yi * r.x.values.length + xi]!;
}
