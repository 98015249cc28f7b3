import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** The tests' Stripe stand-in (vitest.config.ts); optional for the worker itself. */
      STRIPE_API_BASE: string;
    }
  }
}
