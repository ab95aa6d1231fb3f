// The shape every `featurescope <name>` subcommand has. Kept tiny so adding a command is one file plus
// one line in `index.ts`.
export interface Command {
  name: string;
  /** one line for `featurescope --help` */
  summary: string;
  /** full usage text for `featurescope <name> --help` */
  usage: string;
  /** returns the process exit code (0 ok, 1 failure, 2 bad usage) */
  run(argv: string[]): Promise<number>;
}

/** Thrown for wrong command-line usage; main.ts prints it with the usage text and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedFlags {
  positional: string[];
  flags: Record<string, string | true>;
}

/**
 * Minimal flag parser: `--name value`, `--name=value`, boolean `--name`. `booleans` lists flags that
 * never take a value (so `--json model.onnx` keeps the model positional).
 */
export function parseFlags(argv: string[], booleans: string[] = ['json', 'help']): ParsedFlags {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags[name] = a.slice(eq + 1);
      else if (booleans.includes(name)) flags[name] = true;
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        flags[name] = v;
        i++;
      }
    } else if (a === '-h') flags.help = true;
    else positional.push(a);
  }
  return { positional, flags };
}

export function intFlag(f: ParsedFlags, name: string, dflt: number, min = 1, max = 1 << 20): number {
  const v = f.flags[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got ${String(v)})`);
  return n;
}

export function stringFlag(f: ParsedFlags, name: string): string | undefined {
  const v = f.flags[name];
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}
