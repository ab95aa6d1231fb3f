// Errors the gradient compiler raises before anything runs.

/** Ops on a differentiable path that have no gradient rule — all of them, in one error. */
export class UnsupportedOpsError extends Error {
  override name = 'UnsupportedOpsError';
  constructor(readonly ops: { opType: string; node: string }[]) {
    const types = [...new Set(ops.map((o) => o.opType))].sort();
    const list = ops.slice(0, 20).map((o) => `${o.opType} "${o.node}"`).join(', ');
    super(
      `no gradient rule for ${types.join(', ')} on the path from the input to the objective ` +
        `(${ops.length} node${ops.length === 1 ? '' : 's'}: ${list}${ops.length > 20 ? ', …' : ''}). ` +
        'The model still works for forward-only features.',
    );
  }
}
