/**
 * Worker entry: `fetch` serves the webhook and the API; `scheduled` runs the reconciler.
 */
import { app } from './app.ts';
import type { Bindings } from './env.ts';

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
