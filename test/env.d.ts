import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      DB_FAULTS: D1Database;
      /** A D1 database no migration has touched (vitest.config.ts). */
      UNMIGRATED_DB: D1Database;
    }
  }
}
