// The registry of `featurescope` subcommands. Adding one: create `commands/<name>.ts` exporting a
// `Command` (see types.ts) and add ONE line to the list below.
import type { Command } from './types';
import { neighboursCommand } from './neighbours';
import { examplesCommand } from './examples';
import { indexCommand } from './index-dataset';
import { inspectCommand } from './inspect';
import { classifyCommand } from './classify';
import { dreamCommand } from './dream';
import { attributeCommand } from './attribute';
import { adversarialCommand } from './adversarial';
import { importCommand } from './import';
import { gradCommand } from './grad';
import { gradcheckCommand } from './gradcheck';
import { featurevisCommand } from './featurevis';
import { styleCommand } from './style';
import { stylizeCommand } from './stylize';
import { tuningCommand } from './tuning';

export const commands: Command[] = [
  inspectCommand,
  classifyCommand,
  dreamCommand,
  attributeCommand,
  adversarialCommand,
  importCommand,
  gradCommand,
  gradcheckCommand,
  featurevisCommand,
  styleCommand,
  stylizeCommand,
  tuningCommand,
  indexCommand,
  examplesCommand,
  neighboursCommand,
];
