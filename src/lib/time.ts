/** Unix seconds (Stripe's unit) for a millisecond timestamp. */
export const toUnixSeconds = (ms: number): number => Math.floor(ms / 1000);

/** ISO 8601 for a unix-seconds time, or null. */
export function isoFromSeconds(seconds: number | null | undefined): string | null {
  return seconds == null ? null : new Date(seconds * 1000).toISOString();
}

/** ISO 8601 for a millisecond time, or null. */
export function isoFromMillis(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}
