/**
 * Reads the local `.dev.vars` (the file `wrangler dev` reads) for the command-line scripts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** The variables in `.dev.vars`, or an empty object when there is no such file. */
export function readDevVars(path = '.dev.vars'): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** The first secret of a comma-separated list, trimmed, as the worker reads it. */
export function firstSecret(value: string | undefined): string | undefined {
  return value
    ?.split(',')
    .map((part) => part.trim())
    .find((part) => part !== '');
}
