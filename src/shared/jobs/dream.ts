// Dream settings: one zod schema for the CLI, the contract channel and the saved project run, with
// the classic defaults of google/deepdream (octaves 4, scale 1.4, 10 iterations, step 1.5, jitter 32).
import { z } from 'zod';

export const dreamLayerSchema = z.object({
  /** tensor name, e.g. inception_4c/output */
  name: z.string().min(1).max(1000),
  weight: z.number().finite().default(1),
  /** only these channels (their mean activation, as in the TF notebook's channel dreams); all when absent */
  channels: z.array(z.number().int().min(0)).min(1).max(4096).optional(),
});
export type DreamLayer = z.infer<typeof dreamLayerSchema>;

export const dreamSettingsSchema = z.object({
  /** empty: the model's default layer (inception_4c/output for GoogLeNet) */
  layers: z.array(dreamLayerSchema).max(32).default([]),
  octaves: z.number().int().min(1).max(12).default(4),
  octaveScale: z.number().gt(1).max(4).default(1.4),
  iterations: z.number().int().min(1).max(1000).default(10),
  /** in 0..255 pixel units (as in the Caffe original), converted to each model's value range */
  step: z.number().positive().max(255).default(1.5),
  jitter: z.number().int().min(0).max(1024).default(32),
  /** absent: a random seed is drawn and recorded with the result */
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  /** guide photo (path or project photo id, resolved by the caller): guided dreaming when set */
  guide: z.string().min(1).max(4096).optional(),
  /** side of the guide image fed to the model to collect its features */
  guideSize: z.number().int().min(32).max(2048).default(224),
  /** tiles for big photos: core side (px), context margin (px or 'auto'), octaves up to maxWholePixels run whole */
  tileSize: z.number().int().min(64).max(4096).default(512),
  tileMargin: z.union([z.literal('auto'), z.literal('exact'), z.number().int().min(0).max(2048)]).default('auto'),
  maxWholePixels: z.number().int().min(1).max(1 << 26).default(1024 * 1024),
  tileShift: z.boolean().default(true),
});
export type DreamSettingsInput = z.input<typeof dreamSettingsSchema>;
export type DreamSettings = z.output<typeof dreamSettingsSchema>;

export const CLASSIC_DEFAULTS: DreamSettings = dreamSettingsSchema.parse({});

export function parseDreamSettings(value: unknown): DreamSettings {
  const r = dreamSettingsSchema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`bad dream setting ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return r.data;
}

/** "NAME", "NAME:WEIGHT", "NAME:WEIGHT:c1,c2" (CLI --layer). Layer names may hold ':' only if a weight follows. */
export function parseLayerSpec(spec: string): DreamLayer {
  const parts = spec.split(':');
  let channels: number[] | undefined;
  let weight = 1;
  const isNum = (s: string | undefined) => s !== undefined && s.trim() !== '' && Number.isFinite(Number(s));
  if (parts.length >= 3 && /^[0-9, ]+$/.test(parts[parts.length - 1]!) && isNum(parts[parts.length - 2])) {
    channels = parts.pop()!.split(',').filter((s) => s.trim()).map(Number);
    weight = Number(parts.pop());
  } else if (parts.length >= 2 && isNum(parts[parts.length - 1])) {
    weight = Number(parts.pop());
  }
  const name = parts.join(':');
  if (!name) throw new Error(`layer spec "${spec}": empty layer name`);
  return { name, weight, ...(channels ? { channels } : {}) };
}
