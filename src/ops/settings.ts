/**
 * The ops check's own thresholds, from `[vars]` in wrangler.toml. Unset or malformed values fall
 * back to the defaults, so a typo never turns the check off.
 */

export interface OpsSettings {
  /** A `pending` invoice tracked longer than this is stale. */
  stalePendingMinutes: number;
  /** Stale invoices make the check unhealthy only when no event has arrived for this long. */
  silenceMinutes: number;
}

export const DEFAULT_OPS_SETTINGS: OpsSettings = {
  stalePendingMinutes: 24 * 60,
  silenceMinutes: 6 * 60,
};

function minutes(value: unknown, fallback: number): number {
  if (typeof value !== 'string' || !/^\s*\d+\s*$/.test(value)) return fallback;
  const parsed = Number(value.trim());
  return parsed > 0 ? parsed : fallback;
}

/** Reads `OPS_STALE_PENDING_MINUTES` and `OPS_SILENCE_MINUTES` from the worker's env. */
export function readOpsSettings(env: object): OpsSettings {
  const vars = env as Record<string, unknown>;
  return {
    stalePendingMinutes: minutes(
      vars.OPS_STALE_PENDING_MINUTES,
      DEFAULT_OPS_SETTINGS.stalePendingMinutes,
    ),
    silenceMinutes: minutes(vars.OPS_SILENCE_MINUTES, DEFAULT_OPS_SETTINGS.silenceMinutes),
  };
}
