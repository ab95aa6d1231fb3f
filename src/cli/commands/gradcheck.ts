// `featurescope gradcheck <case-manifest.json>`: runs one gradient fixture manifest (format
// onnx-grad-oracle/1, see ../shared/fixtures/grad/README.md) through the gradient compiler and
// onnxruntime, and reports per case the forward error, gradient relative L2 error and cosine.
import * as path from 'node:path';
import { loadManifest, runCase, type CaseResult } from '../../main/engine/autodiff/gradcheck';
import { RULE_SETS, type RuleSetName } from '../../main/engine/autodiff/rules/index';
import { openCommandLine } from '../common';
import { stringFlag, UsageError, type Command } from './types';

const usage = `usage: featurescope gradcheck <manifest.json> [options]

  --model FILE     model file of the manifest to use (default: its model.file; e.g. model_opset11.onnx)
  --case ID        run only this case (default: every case)
  --rules SET      default | guided | deconvnet | redirected-relu (default: default)
  --json           print JSON: one entry per case

Per case: forward error (max relative L2 over logits and taps), objective value error, gradient relative
L2 error against the float64 reference (tolerance: the case's suggested_rel_l2_tol) and cosine (≥ 0.9999).

exit codes: 0 every case within tolerance, 1 a case is off or cannot run, 2 bad usage`;

export const gradcheckCommand: Command = {
  name: 'gradcheck',
  summary: 'check compiled input gradients against a ground-truth fixture manifest',
  usage,
  async run(argv) {
    const { flags: f, args, json } = openCommandLine(argv, { positional: ['manifest'], missing: 'give a fixture manifest: featurescope gradcheck <manifest.json>' });
    const manifestFile = args[0]!;
    const modelFile = stringFlag(f, 'model');
    const only = stringFlag(f, 'case');
    const rules = (stringFlag(f, 'rules') ?? 'default') as RuleSetName;
    if (!(rules in RULE_SETS)) throw new UsageError(`--rules must be one of ${Object.keys(RULE_SETS).join(', ')}`);
    const m = loadManifest(path.resolve(manifestFile));
    const cases = only ? m.cases.filter((c) => c.id === only) : m.cases;
    if (only && cases.length === 0) throw new UsageError(`no case "${only}" in ${manifestFile} (cases: ${m.cases.map((c) => c.id).join(', ')})`);

    const results: (Omit<CaseResult, 'pass'> & { pass: boolean; error?: string })[] = [];
    for (const c of cases) {
      try {
        const { compiled: _compiled, ...r } = await runCase(path.resolve(manifestFile), m, c, { modelFile, rules });
        results.push(r);
      } catch (e) {
        results.push({ id: c.id, modelFile: modelFile ?? m.model.file, forwardRelL2: NaN, valueRelErr: NaN, gradRelL2: NaN, cosine: NaN, tol: c.checks.suggested_rel_l2_tol, pass: false, compileMs: 0, runMs: 0, error: (e as Error).message });
      }
      if (!json) {
        const r = results.at(-1)!;
        console.log(r.error
          ? `FAIL ${r.id}: ${r.error}`
          : `${r.pass ? 'ok  ' : 'FAIL'} ${r.id.padEnd(30)} forward ${r.forwardRelL2.toExponential(2)}  value ${r.valueRelErr.toExponential(2)}  grad relL2 ${r.gradRelL2.toExponential(2)} (tol ${r.tol})  cosine ${r.cosine.toFixed(7)}  compile ${Math.round(r.compileMs)} ms, run ${Math.round(r.runMs)} ms`);
      }
    }
    const failed = results.filter((r) => !r.pass).length;
    if (json) {
      console.log(JSON.stringify({ ok: failed === 0, manifest: manifestFile, model: modelFile ?? m.model.file, cases: results, failed }, null, 2));
    } else {
      console.log(`${m.name}: ${results.length - failed}/${results.length} cases within tolerance`);
    }
    return failed === 0 ? 0 : 1;
  },
};
