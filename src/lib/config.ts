/**
 * Reads the worker's configuration from its bindings.
 *
 * Values are trimmed, so a secret pasted with a trailing newline still works. Nothing here throws:
 * a missing value is reported as absent and each route decides what that means (503 for a route
 * that cannot work without it).
 */

/** One configured webhook signing secret and where it came from. */
export interface SigningSecret {
  /** `platform` for STRIPE_WEBHOOK_SECRET, `connect` for STRIPE_CONNECT_WEBHOOK_SECRET. */
  endpoint: 'platform' | 'connect';
  /** Position in the comma-separated list: 0 is the current secret, 1+ are older ones. */
  index: number;
  value: string;
}

export interface Config {
  secrets: SigningSecret[];
  missingSecrets: string[];
  toleranceSeconds: number;
  /** The mode events must be in, or null when neither a key nor STRIPE_LIVEMODE says. */
  expectedLivemode: boolean | null;
  stripeSecretKey: string | null;
  stripeApiBase: string | null;
  apiToken: string | null;
  opsToken: string | null;
  /** Configuration values that were present but unusable, and what was used instead. */
  problems: string[];
}

const DEFAULT_TOLERANCE_SECONDS = 300;

/** The variables a configuration is read from; all optional so tests and dev can omit any. */
export type ConfigSource = object;

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Splits a comma-separated secret list, dropping blanks and surrounding whitespace. */
export function splitSecrets(value: unknown): string[] {
  const raw = text(value);
  if (raw === null) return [];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

// Stripe's own libraries default to 300 s; past an hour a replayed delivery would be accepted.
const MAX_TOLERANCE_SECONDS = 3600;

function tolerance(value: unknown, problems: string[]): number {
  const raw = text(value);
  if (raw === null) return DEFAULT_TOLERANCE_SECONDS;

  const seconds = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (seconds >= 1 && seconds <= MAX_TOLERANCE_SECONDS) return seconds;

  const range = `1-${MAX_TOLERANCE_SECONDS}`;
  problems.push(
    `STRIPE_WEBHOOK_TOLERANCE_SECONDS must be ${range}; using ${DEFAULT_TOLERANCE_SECONDS}`,
  );
  return DEFAULT_TOLERANCE_SECONDS;
}

/** Live or test mode from the secret key's prefix, else from STRIPE_LIVEMODE. */
export function livemodeOf(secretKey: string | null, flag: unknown): boolean | null {
  if (secretKey?.startsWith('sk_live_') || secretKey?.startsWith('rk_live_')) return true;
  if (secretKey?.startsWith('sk_test_') || secretKey?.startsWith('rk_test_')) return false;

  const raw = text(flag)?.toLowerCase();
  if (raw === 'true' || raw === '1' || raw === 'live') return true;
  if (raw === 'false' || raw === '0' || raw === 'test') return false;
  return null;
}

/** Builds the configuration from the worker's env. Cheap enough to call per request. */
export function readConfig(source: ConfigSource): Config {
  const env = source as Record<string, unknown>;
  const platform = splitSecrets(env.STRIPE_WEBHOOK_SECRET);
  const connect = splitSecrets(env.STRIPE_CONNECT_WEBHOOK_SECRET);

  const secrets: SigningSecret[] = [
    ...platform.map((value, index) => ({ endpoint: 'platform' as const, index, value })),
    ...connect.map((value, index) => ({ endpoint: 'connect' as const, index, value })),
  ];

  const missingSecrets: string[] = [];
  if (platform.length === 0) missingSecrets.push('STRIPE_WEBHOOK_SECRET');
  if (connect.length === 0) missingSecrets.push('STRIPE_CONNECT_WEBHOOK_SECRET');

  const stripeSecretKey = text(env.STRIPE_SECRET_KEY);
  const problems: string[] = [];
  const toleranceSeconds = tolerance(env.STRIPE_WEBHOOK_TOLERANCE_SECONDS, problems);

  return {
    secrets,
    missingSecrets,
    toleranceSeconds,
    expectedLivemode: livemodeOf(stripeSecretKey, env.STRIPE_LIVEMODE),
    stripeSecretKey,
    stripeApiBase: text(env.STRIPE_API_BASE),
    apiToken: text(env.API_TOKEN),
    opsToken: text(env.OPS_TOKEN),
    problems,
  };
}

/** The label stored with each event: which configured secret verified it, e.g. `connect:0`. */
export const secretLabel = (secret: SigningSecret): string => `${secret.endpoint}:${secret.index}`;
