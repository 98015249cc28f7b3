/**
 * The reconciler's settings, read from the worker's env, with the limits they must respect.
 *
 * The batch default is sized for the Free plan's 50 subrequests per invocation, counting D1 calls
 * as well as Stripe calls (Cloudflare counts both against the Free plan's 50): one Stripe call and
 * at most one D1 batch per invoice, plus three D1 calls for the run itself, so 2 × 20 + 3 = 43.
 */

/** Settings of one run. Everything but the env-driven two is fixed, and overridable in tests. */
export interface ReconcileSettings {
  /** An invoice whose last change and last check are both older than this is stale. */
  staleAfterMs: number;
  /** Most invoices one run asks Stripe about. */
  batchSize: number;
  /** Most Stripe requests in flight at once (Workers allow 6 open connections). */
  concurrency: number;
  /** Timeout of one Stripe request. */
  requestTimeoutMs: number;
  /** No Stripe request starts after this long into the run; in-flight ones end by their timeout. */
  deadlineMs: number;
  /** First back-off after an answer retrying won't fix (unknown invoice, revoked account). */
  backoffBaseMs: number;
  /** Longest back-off, however often it failed. */
  backoffMaxMs: number;
}

export const DEFAULT_STALE_AFTER_MINUTES = 60;
export const DEFAULT_BATCH_SIZE = 20;
/** Far above what a Paid plan's subrequest limit (10,000) would let one run do well. */
export const MAX_BATCH_SIZE = 1000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const FIXED = {
  concurrency: 6,
  requestTimeoutMs: 8_000,
  deadlineMs: 20_000,
  backoffBaseMs: 6 * HOUR,
  backoffMaxMs: 7 * 24 * HOUR,
};

function positiveInt(value: unknown, fallback: number, max: number): number {
  if (typeof value !== 'string' || !/^\s*\d+\s*$/.test(value)) return fallback;
  const parsed = Number(value.trim());
  return parsed > 0 ? Math.min(parsed, max) : fallback;
}

/** Reads `RECONCILE_STALE_AFTER_MINUTES` and `RECONCILE_BATCH_SIZE`; a bad value means default. */
export function readReconcileSettings(env: object): ReconcileSettings {
  const vars = env as Record<string, unknown>;
  const minutes = positiveInt(
    vars.RECONCILE_STALE_AFTER_MINUTES,
    DEFAULT_STALE_AFTER_MINUTES,
    60 * 24 * 365,
  );

  return {
    ...FIXED,
    staleAfterMs: minutes * MINUTE,
    batchSize: positiveInt(vars.RECONCILE_BATCH_SIZE, DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE),
  };
}

/** The back-off after `failures` consecutive failures (1 for the first): doubling, capped. */
export function backoffMs(settings: ReconcileSettings, failures: number): number {
  const doubled = settings.backoffBaseMs * 2 ** Math.max(0, Math.min(failures - 1, 20));
  return Math.min(doubled, settings.backoffMaxMs);
}
