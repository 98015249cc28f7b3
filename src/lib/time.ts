/** Unix seconds (Stripe's unit) for a millisecond timestamp. */
export const toUnixSeconds = (ms: number): number => Math.floor(ms / 1000);

/** ISO 8601 for a unix-seconds time, or null. */
export function isoFromSeconds(seconds: number | null | undefined): string | null {
  return seconds == null ? null : isoFromMillis(seconds * 1000);
}

/** ISO 8601 for a millisecond time, or null. */
export function isoFromMillis(ms: number | null | undefined): string | null {
  if (ms == null) return null;

  // Stored times are bounded on the way in; this keeps a read from throwing on one that is not.
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
