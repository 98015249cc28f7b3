import type { Config } from './lib/config.ts';
import type { Database } from './db/client.ts';

/**
 * The worker's bindings: the generated `Env` plus the optional variables that `wrangler types`
 * cannot see because they are usually unset (see .dev.vars.example).
 */
export interface Bindings extends Env {
  STRIPE_LIVEMODE?: string;
  STRIPE_API_BASE?: string;
}

/** Per-request values set by middleware. */
export interface Variables {
  config: Config;
  db: Database;
  requestId: string;
}

/** The one Hono environment type every route uses. */
export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
