/**
 * `POST /ops/reconcile`: runs the reconciler once, now, and answers with the run's record (the same
 * record the cron writes). Bearer `OPS_TOKEN`.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { reconcileWith } from '../jobs/reconcile.ts';
import { requireToken } from '../lib/auth.ts';
import { methodNotAllowed } from '../lib/method-not-allowed.ts';
import { errors } from '../lib/errors.ts';

export const opsReconcile = new Hono<AppEnv>();

opsReconcile.post('/ops/reconcile', requireToken('OPS_TOKEN'), async (c) => {
  const run = await reconcileWith(c.get('db'), c.env, { trigger: 'manual', cron: null });

  // The run is recorded either way, so the ops check shows the reconciler cannot work.
  if (run.stopped_reason === 'not_configured') throw errors.notConfigured('STRIPE_SECRET_KEY');

  return c.json(run, 200);
});

opsReconcile.all('/ops/reconcile', requireToken('OPS_TOKEN'), methodNotAllowed('POST'));
