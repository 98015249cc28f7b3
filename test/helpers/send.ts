/**
 * Sending invoices through the worker under test, against the Stripe stand-in.
 */
import { env } from 'cloudflare:test';
import { API_TOKEN, call } from './worker.ts';
import type { StandIn } from './stripe-stand-in.ts';

export const ACCOUNT = 'acct_1TestConnected';

/** A body the worker accepts; override any field. */
export function sendBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    stripe_account_id: ACCOUNT,
    customer: { email: 'jenny@example.com', name: 'Jenny Rosen' },
    currency: 'usd',
    days_until_due: 30,
    items: [{ description: 'Consulting, March', unit_amount: 5000, quantity: 2 }],
    ...overrides,
  };
}

/** A fresh idempotency key. */
export const newKey = () => `test-${crypto.randomUUID()}`;

/** A fresh Stripe-shaped id with `prefix`. */
export const stripeId = (prefix: string) =>
  `${prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;

/** Posts to `POST /api/invoices` with the stand-in's key; `key: null` sends no header. */
export function postInvoice(
  body: unknown,
  opts: { key: string | null; stripe?: StandIn; raw?: string; token?: string | null },
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = opts.token === undefined ? API_TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.key !== null) headers['idempotency-key'] = opts.key;

  return call(
    new Request('https://worker.test/api/invoices', {
      method: 'POST',
      headers,
      body: opts.raw ?? JSON.stringify(body),
    }),
    opts.stripe?.env ?? {},
  );
}

/** The send's row, straight from D1. */
export function sendRow(key: string) {
  return env.DB.prepare('select * from invoice_sends where idempotency_key = ?')
    .bind(key)
    .first<Record<string, unknown>>();
}
