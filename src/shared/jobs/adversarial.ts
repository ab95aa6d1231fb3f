// Adversarial settings: the settings of a job of kind 'adversarial' — fooling images and adversarial
// examples (CS231n's fooling images; Madry et al.'s PGD). Everything is in 0..255 pixel units of the photo
// at the model's input size, whatever the model's own preprocessing, so ε = 2 means "no pixel moved by
// more than 2 levels" on every model. Plain data validated by zod: the CLI, the UI and the saved run store
// exactly what ran (defaults filled in, the target resolved to a class index).
import { z } from 'zod';

export const ADVERSARIAL_METHODS = ['pgd', 'fool'] as const;
export type AdversarialMethod = (typeof ADVERSARIAL_METHODS)[number];

/**
 * What the attack climbs. 'logit': the target's logit (untargeted: minus the original class's logit) —
 * CS231n's class score. 'margin': the target's logit minus the strongest other class's (untargeted: the
 * strongest other class minus the original) — it keeps pushing after the flip, so the result survives
 * rounding to 8 bits more often.
 */
export const ADVERSARIAL_LOSSES = ['logit', 'margin'] as const;
export type AdversarialLoss = (typeof ADVERSARIAL_LOSSES)[number];

/** Per method: what an absent stepSize, steps and loss mean. */
export const METHOD_DEFAULTS: Record<AdversarialMethod, { stepSize: number; steps: number; loss: AdversarialLoss }> = {
  // α = ε/4: 20 steps can cross the ε-box several times over
  pgd: { stepSize: 0.5, steps: 20, loss: 'margin' },
  // CS231n's learning rate 1 on normalized pixels (std ≈ 0.225) is ≈ 57 levels of L2 per step; 60 here
  fool: { stepSize: 60, steps: 100, loss: 'logit' },
};

/** A class index, a class name (resolved against the model's labels before the job is queued), or 'any' (untargeted). */
export const adversarialTargetSchema = z.union([
  z.literal('any'),
  z.number().int().min(0, { error: 'a class index is 0 or more' }),
  z.string().trim().min(1, { error: 'name a class, give its index, or "any"' }),
]);

export const adversarialSettingsSchema = z.object({
  target: adversarialTargetSchema,
  method: z.enum(ADVERSARIAL_METHODS).default('pgd'),
  /** PGD's L∞ budget in 0..255 pixel levels (the upper end of the search with minEps) */
  eps: z.number({ error: 'ε must be a number' }).gt(0, { error: 'ε must be greater than 0 (pixel levels, 0..255)' }).max(255, { error: 'ε is at most 255 pixel levels' }).default(2),
  /** pgd: the sign step α in pixel levels; fool: the L2 length of each step in pixel levels. Absent: the method's default */
  stepSize: z.number().gt(0, { error: 'the step size must be greater than 0' }).max(10000).optional(),
  /** pgd: steps taken; fool: the most steps before giving up. Absent: the method's default */
  steps: z.number().int().min(1, { error: 'at least 1 step' }).max(10000).optional(),
  loss: z.enum(ADVERSARIAL_LOSSES).optional(),
  /** PGD only: bisect ε in (0, eps] for the smallest budget that still flips the prediction */
  minEps: z.boolean().default(false),
  /** PGD runs of the ε bisection after the first one at eps */
  searchRuns: z.number().int().min(1).max(20).default(5),
  /**
   * '8bit': the model sees whole pixel levels after every step, so the result is exactly what a PNG holds;
   * the ε-box then holds whole levels only (ε 1.5 allows 1 level), and PGD's step rounds to whole levels (at least 1)
   */
  space: z.enum(['float', '8bit']).default('float'),
  /** PGD's random start: a uniform draw in the ε-box before the first step (seeded) */
  randomStart: z.boolean().default(false),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
});
export type AdversarialSettingsInput = z.input<typeof adversarialSettingsSchema>;
export type AdversarialSettings = z.output<typeof adversarialSettingsSchema>;

/** The settings as they ran: the target a class index or 'any', step size, steps and loss filled in. */
export const adversarialRunSettingsSchema = adversarialSettingsSchema.extend({
  target: z.union([z.literal('any'), z.number().int().min(0)]),
  /** the target's label, when the model has labels */
  targetLabel: z.string().optional(),
  stepSize: z.number(),
  steps: z.number().int(),
  loss: z.enum(ADVERSARIAL_LOSSES),
});
export type AdversarialRunSettings = z.output<typeof adversarialRunSettingsSchema>;

/** Validate and fill defaults; the error names the setting. */
export function parseAdversarialSettings(raw: unknown): AdversarialSettings {
  const r = adversarialSettingsSchema.safeParse(raw ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`bad adversarial setting ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return r.data;
}

/** The method's defaults filled in, with the target already resolved to an index or 'any'. */
export function resolveAdversarialSettings(s: AdversarialSettings, target: number | 'any', targetLabel?: string): AdversarialRunSettings {
  const d = METHOD_DEFAULTS[s.method];
  return {
    ...s, target, ...(targetLabel !== undefined ? { targetLabel } : {}),
    stepSize: s.stepSize ?? d.stepSize, steps: s.steps ?? d.steps, loss: s.loss ?? d.loss,
  };
}

// ---- the saved run (registered in RUN_KINDS) --------------------------------------------------------

const classScore = z.object({ index: z.number().int(), label: z.string(), probability: z.number() });
/** how far the image moved, in pixel levels */
const change = { linf: z.number(), l2: z.number() };

export const adversarialResultSchema = z.object({
  status: z.enum(['done', 'cancelled']),
  /** the size the model saw and the images are kept at (the photo resized like classify does) */
  width: z.number().int(),
  height: z.number().int(),
  /** the original photo's top-1 and top-5 */
  original: classScore,
  top5Before: z.array(classScore),
  top5After: z.array(classScore),
  /** the class climbed toward ('any': the strongest class other than the original) */
  target: z.union([z.object({ kind: z.literal('class'), index: z.number().int(), label: z.string() }), z.object({ kind: z.literal('any') })]),
  /** top-1 after is the target (untargeted: anything but the original class) */
  fooled: z.boolean(),
  /** the first step whose image fooled the model (0: the start already did) */
  fooledAtStep: z.number().int().optional(),
  /** the step whose image is the result: the largest margin of the target over the other classes (PGD's iterates oscillate) */
  keptStep: z.number().int(),
  /** the budget of the kept result (pgd); the change's own L∞ for fool */
  epsUsed: z.number(),
  stepSizeUsed: z.number(),
  ...change,
  stepsDone: z.number().int(),
  /** softmax confidence along the steps of the kept result: step 0 is the start */
  curve: z.array(z.object({ step: z.number().int(), target: z.number(), original: z.number(), top1: z.number().int() })),
  /** minEps: every PGD run of the bisection, in order, and the smallest ε that flipped */
  search: z.object({ runs: z.array(z.object({ eps: z.number(), fooled: z.boolean(), stepsDone: z.number().int() })), found: z.number().optional() }).optional(),
  /** the adversarial PNG as saved (8-bit), decoded and classified again */
  eightBit: z.object({ fooled: z.boolean(), top5: z.array(classScore), targetProbability: z.number(), ...change }),
  /** the difference image: 128 + gain · (adversarial − original) */
  diffGain: z.number(),
  /** compileMs: getting the gradient session (≈ 0 when an earlier job of this model and size had compiled it: `reused`) */
  timings: z.object({ totalMs: z.number(), compileMs: z.number(), reused: z.boolean(), runs: z.number().int(), msPerStep: z.number() }),
  fallbackReason: z.string().optional(),
});
export type AdversarialResult = z.output<typeof adversarialResultSchema>;
