/**
 * Structured logs: one JSON object per line, keyed by a stable `msg` such as `webhook.applied`.
 *
 * Fields are an allow-list of identifiers and figures. Callers never pass a payload, a header,
 * a signature or a secret; `redact` below is the last line of defence if one slips into a string.
 */

export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

type Level = 'info' | 'warn' | 'error';

// Whole tokens, including Stripe's own masked form such as `sk_test_****1234`.
const SECRET_PATTERN = /\b(?:whsec|sk_live|sk_test|rk_live|rk_test)_[^\s'"`,;)]*/g;

/** Replaces anything shaped like a Stripe secret, whole, with a marker. */
export function redact(value: string): string {
  return value.replace(SECRET_PATTERN, '[redacted key]');
}

function write(level: Level, msg: string, fields: LogFields): void {
  const entry: Record<string, unknown> = { level, msg };

  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    entry[key] = typeof value === 'string' ? redact(value) : value;
  }

  const line = JSON.stringify(entry);
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

/** The worker's logger. `msg` is a stable dotted name that dashboards and alerts key on. */
export const log = {
  info: (msg: string, fields: LogFields = {}) => write('info', msg, fields),
  warn: (msg: string, fields: LogFields = {}) => write('warn', msg, fields),
  error: (msg: string, fields: LogFields = {}) => write('error', msg, fields),
};
