/**
 * The tests' handle on the local Stripe stand-in (test/stand-in/server.ts).
 *
 * Each test takes a fresh secret key; the stand-in keeps that key's script and log apart from
 * every other test's. `expectNoSurprises` fails the test on any request nobody scripted.
 */
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import type { Route, SeenRequest } from '../stand-in/server.ts';

export type { Route, SeenRequest };

export interface StandIn {
  /** The secret key the worker must use for the stand-in to answer. */
  key: string;
  /** Env overrides that point the worker at the stand-in with this key. */
  env: { STRIPE_SECRET_KEY: string; STRIPE_API_BASE: string };
  script(routes: Route[]): Promise<void>;
  requests(): Promise<SeenRequest[]>;
  /** The most requests this script was answering at once. */
  peakInFlight(): Promise<number>;
  expectNoSurprises(): Promise<void>;
}

export interface StandInOptions {
  /** Use this key instead of a fresh one (e.g. the worker's configured key). */
  key?: string;
  /** Scope the script to requests made as this connected account (`Stripe-Account`). */
  account?: string;
}

const base = () => env.STRIPE_API_BASE as string;

/** A new script under a fresh test-mode key (or the given key, scoped to one account). */
export async function standIn(
  routes: Route[] = [],
  options: StandInOptions = {},
): Promise<StandIn> {
  const key = options.key ?? `sk_test_standin_${crypto.randomUUID().replaceAll('-', '')}`;
  const scope = options.account ? `?account=${encodeURIComponent(options.account)}` : '';
  const control = `${base()}/__stand-in/scripts/${encodeURIComponent(key)}${scope}`;

  const handle: StandIn = {
    key,
    env: { STRIPE_SECRET_KEY: key, STRIPE_API_BASE: base() },
    async script(next) {
      const res = await fetch(control, { method: 'PUT', body: JSON.stringify({ routes: next }) });
      if (!res.ok) throw new Error(`stand-in script failed: ${res.status}`);
    },
    async requests() {
      const res = await fetch(control);
      return ((await res.json()) as { requests: SeenRequest[] }).requests;
    },
    async peakInFlight() {
      const res = await fetch(control);
      return ((await res.json()) as { peakInFlight: number }).peakInFlight;
    },
    async expectNoSurprises() {
      const res = await fetch(control);
      const { unexpected } = (await res.json()) as { unexpected: SeenRequest[] };
      expect(unexpected.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    },
  };

  await handle.script(routes);
  return handle;
}
