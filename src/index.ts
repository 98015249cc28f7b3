/**
 * Worker entry: `fetch` serves the webhook and the API; `scheduled` runs the reconciler.
 */
import { app } from './app.ts';
import type { Bindings } from './env.ts';
import { reconcileOnSchedule } from './jobs/reconcile.ts';

export default {
  fetch: app.fetch,
  scheduled: (controller, env) => reconcileOnSchedule(controller, env),
} satisfies ExportedHandler<Bindings>;
