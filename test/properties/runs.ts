import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Cases per property; vitest.config.ts passes `FC_RUNS` from the environment. */
    fcRuns: number;
  }
}

/** How many cases each property runs: `FC_RUNS` when set, else the small CI default. */
export function numRuns(ciDefault: number): number {
  const fromEnv = inject('fcRuns');
  return fromEnv > 0 ? fromEnv : ciDefault;
}

/** A test timeout that grows with the case count: `msPerRun` each, never under 30 s. */
export const timeoutFor = (runs: number, msPerRun: number): number =>
  Math.max(30_000, runs * msPerRun);
