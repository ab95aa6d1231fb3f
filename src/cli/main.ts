// `featurescope` command-line entry: dispatches to the subcommand registry in commands/index.ts.
import { commands } from './commands/index';
import { UsageError } from './commands/types';

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'featurescope — see inside image neural networks (ONNX), offline',
    '',
    'usage: featurescope <command> [options]   (every command takes --json)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'featurescope <command> --help shows the options of a command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return 0;
  }
  if (name === '--version') {
    console.log(`featurescope 0.1.0 (node ${process.version})`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`featurescope: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`featurescope ${name}: ${e.message}\n\n${cmd.usage}`);
      return 2;
    }
    const err = e as Error & { code?: string };
    if (rest.includes('--json')) {
      console.log(JSON.stringify({ ok: false, error: { message: err.message, code: err.code } }));
    } else {
      console.error(`featurescope ${name}: ${err.message}`);
    }
    return 1;
  }
}

// Run when executed directly (tsx src/cli/main.ts, or bin/featurescope.cjs).
if (require.main === module || process.env.FEATURESCOPE_CLI_MAIN === '1') {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => { console.error(e); process.exitCode = 1; },
  );
}
