/**
 * Signed webhook deliveries and tracking calls, built with the tests' own event factory.
 */
import { signatureHeader } from '../../test/factories/events.ts';
import { BENCH_SECRETS } from './dev-server.ts';
import type { Prepared } from './http.ts';

/** A webhook POST of `event`, signed now with the Connect secret (or the platform one). */
export async function signedDelivery(
  event: Record<string, unknown>,
  secret: string = BENCH_SECRETS.STRIPE_CONNECT_WEBHOOK_SECRET,
): Promise<Prepared> {
  const body = JSON.stringify(event);
  return {
    path: '/stripe/webhook',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': await signatureHeader(body, secret),
    },
    body,
  };
}

/** `PUT /api/invoices/:id` tracking `invoice` for `account`. */
export function trackRequest(invoice: string, account: string): Prepared {
  return {
    path: `/api/invoices/${invoice}`,
    method: 'PUT',
    headers: {
      authorization: `Bearer ${BENCH_SECRETS.API_TOKEN}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ stripe_account_id: account }),
  };
}

/** A small seeded PRNG (mulberry32), so a run can be repeated with `--seed`. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `items` in place with `rand` (Fisher-Yates). */
export function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Reads `--name value` from argv, else the environment variable, else the default. */
export function option(name: string, envName: string, fallback: number): number {
  const flag = process.argv.indexOf(`--${name}`);
  const raw = flag >= 0 ? process.argv[flag + 1] : process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
}
