/**
 * Calls the ops routes with the test OPS_TOKEN, and the secrets no ops answer may ever contain.
 */
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { call } from './worker.ts';

export const OPS_TOKEN = 'test-ops-token';

/** Every secret value in the test env, whole and as split entries. */
export function secretValues(overrides: Record<string, unknown> = {}): string[] {
  const all = { ...env, ...overrides } as Record<string, unknown>;
  return [
    'STRIPE_WEBHOOK_SECRET',
    'STRIPE_CONNECT_WEBHOOK_SECRET',
    'STRIPE_SECRET_KEY',
    'API_TOKEN',
    'OPS_TOKEN',
  ]
    .flatMap((name) => (typeof all[name] === 'string' ? (all[name] as string).split(',') : []))
    .map((value) => value.trim())
    .filter((value) => value.length >= 8);
}

/** GETs an ops route; `token: null` sends no Authorization header. */
export async function ops(
  path: string,
  opts: { token?: string | null; overrides?: Record<string, unknown>; origin?: string } = {},
) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? OPS_TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;

  const response = await call(
    new Request(`${opts.origin ?? 'https://worker.test'}${path}`, { headers }),
    opts.overrides,
  );
  const text = await response.text();

  // No ops answer, whatever it says, may carry a secret.
  for (const secret of secretValues(opts.overrides)) expect(text).not.toContain(secret);

  return { status: response.status, headers: response.headers, body: JSON.parse(text) as any };
}

/** The codes of a check report's findings. */
export const codes = (report: { findings: { code: string }[] }) =>
  report.findings.map((item) => item.code);
