/**
 * What the worker is configured with, described without a single secret value.
 *
 * Reads the raw bindings as well as the parsed `Config`, because `readConfig` trims whitespace
 * away: a secret pasted with a trailing newline works, but the operator should still hear of it
 * (the next tool to read it may not be so forgiving).
 */
import type { Config } from '../lib/config.ts';
import { finding, type Finding } from './findings.ts';

const SECRET_LISTS = ['STRIPE_WEBHOOK_SECRET', 'STRIPE_CONNECT_WEBHOOK_SECRET'] as const;

/** Which values are set; counts, never contents. */
export interface ConfigSummary {
  STRIPE_WEBHOOK_SECRET: { set: boolean; count: number };
  STRIPE_CONNECT_WEBHOOK_SECRET: { set: boolean; count: number };
  STRIPE_SECRET_KEY: { set: boolean };
  API_TOKEN: { set: boolean };
  OPS_TOKEN: { set: boolean };
  expected_livemode: boolean | null;
  tolerance_seconds: number;
}

/** Why one entry of a secret list looks wrong, if it does. */
function secretProblems(entry: string): string[] {
  const problems: string[] = [];
  if (/\s/.test(entry)) problems.push('contains whitespace');
  if (!entry.startsWith('whsec_')) problems.push('does not start with whsec_');
  return problems;
}

/** Findings about one comma-separated secret list, by position (0 = current). */
function checkSecretList(name: string, raw: unknown): Finding[] {
  if (typeof raw !== 'string' || raw.trim() === '') {
    return [finding('error', 'config.secret_missing', `${name} is not set.`, { variable: name })];
  }

  const findings: Finding[] = [];

  // Spaces next to the separating commas are allowed; anything else around the value is not.
  if (raw !== raw.trim()) {
    findings.push(
      finding('warning', 'config.secret_whitespace', `${name} has whitespace around its value.`, {
        variable: name,
      }),
    );
  }

  raw
    .split(',')
    .map((entry) => entry.trim())
    .forEach((entry, index) => {
      if (entry === '') return;
      for (const problem of secretProblems(entry)) {
        const code = problem.startsWith('contains')
          ? 'config.secret_whitespace'
          : 'config.secret_malformed';
        findings.push(
          finding('warning', code, `${name} entry ${index} ${problem}.`, {
            variable: name,
            position: index,
          }),
        );
      }
    });

  return findings;
}

/** Summarises the configuration and reports what is missing or malformed. */
export function checkConfig(env: object, config: Config) {
  const vars = env as Record<string, unknown>;
  const count = (endpoint: 'platform' | 'connect') =>
    config.secrets.filter((secret) => secret.endpoint === endpoint).length;

  const summary: ConfigSummary = {
    STRIPE_WEBHOOK_SECRET: { set: count('platform') > 0, count: count('platform') },
    STRIPE_CONNECT_WEBHOOK_SECRET: { set: count('connect') > 0, count: count('connect') },
    STRIPE_SECRET_KEY: { set: config.stripeSecretKey !== null },
    API_TOKEN: { set: config.apiToken !== null },
    OPS_TOKEN: { set: config.opsToken !== null },
    expected_livemode: config.expectedLivemode,
    tolerance_seconds: config.toleranceSeconds,
  };

  const findings = SECRET_LISTS.flatMap((name) => checkSecretList(name, vars[name]));

  if (config.stripeSecretKey === null) {
    findings.push(
      finding(
        'warning',
        'config.stripe_key_missing',
        'STRIPE_SECRET_KEY is not set: the reconciler, live views and ?stripe=1 cannot work.',
      ),
    );
  } else if (!/^(sk|rk)_(live|test)_\S+$/.test(config.stripeSecretKey)) {
    findings.push(
      finding(
        'warning',
        'config.stripe_key_malformed',
        'STRIPE_SECRET_KEY does not look like a Stripe secret or restricted key (sk_/rk_).',
      ),
    );
  }

  if (config.apiToken === null) {
    findings.push(
      finding('warning', 'config.api_token_missing', 'API_TOKEN is not set: /api/* answers 503.'),
    );
  }

  if (config.expectedLivemode === null) {
    findings.push(
      finding(
        'info',
        'config.livemode_unknown',
        'Neither STRIPE_SECRET_KEY nor STRIPE_LIVEMODE says which mode events must be in.',
      ),
    );
  }

  for (const problem of config.problems) {
    findings.push(finding('warning', 'config.value_invalid', `${problem}.`));
  }

  return { summary, findings };
}
