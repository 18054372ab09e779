/**
 * What a Trace service's image runs, read from its Dockerfile: WORKDIR, ENTRYPOINT and CMD in exec
 * form (a JSON array; the shell form's word splitting is not reproduced, so it is refused).
 */
import { readFileSync } from 'node:fs';
import { ComposeMappingError } from './composeFile.js';

export interface ImageCommand {
  workdir: string;
  entrypoint: string[];
  /** The default arguments; a service's `command` replaces them. */
  cmd: string[];
}

export function readDockerfile(file: string): ImageCommand {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ComposeMappingError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const image: ImageCommand = { workdir: '/', entrypoint: [], cmd: [] };
  for (const line of text.split('\n')) {
    const [, instruction, rest] = /^\s*(WORKDIR|ENTRYPOINT|CMD)\s+(.+?)\s*$/i.exec(line) ?? [];
    if (instruction === undefined || rest === undefined) continue;
    if (instruction.toUpperCase() === 'WORKDIR') image.workdir = rest;
    else if (instruction.toUpperCase() === 'ENTRYPOINT') image.entrypoint = execForm(file, rest);
    else image.cmd = execForm(file, rest);
  }
  return image;
}

function execForm(file: string, text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // reported below
  }
  throw new ComposeMappingError(`${file}: \`${text}\` is not in exec form (a JSON array of strings)`);
}
