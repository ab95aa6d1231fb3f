// The registry of `featurescope` subcommands. Adding one: create `commands/<name>.ts` exporting a
// `Command` (see types.ts) and add ONE line to the list below.
import type { Command } from './types';

export const commands: Command[] = [
];
