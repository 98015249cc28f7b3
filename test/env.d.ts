import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** The Stripe stand-in's base URL (vitest.config.ts). */
      STRIPE_API_BASE: string;
      /** A D1 database no migration has touched (vitest.config.ts). */
      UNMIGRATED_DB: D1Database;
    }
  }
}
