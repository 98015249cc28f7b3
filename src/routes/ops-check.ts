/**
 * `GET /ops/check`: is the setup keeping invoices true? 200 when healthy, 503 with the reasons
 * when not, so a monitor can poll it. `?stripe=1` also asks Stripe. Bearer `OPS_TOKEN`.
 */
import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../env.ts';
import { requireToken } from '../lib/auth.ts';
import { methodNotAllowed } from '../lib/method-not-allowed.ts';
import { log } from '../lib/log.ts';
import { queryParams } from '../lib/query.ts';
import { runCheck } from '../ops/check.ts';
import { readOpsSettings } from '../ops/settings.ts';

const checkQuery = z.strictObject({ stripe: z.enum(['0', '1']).optional() });

export const opsCheck = new Hono<AppEnv>();

opsCheck.get('/ops/check', requireToken('OPS_TOKEN'), async (c) => {
  const query = queryParams(c, checkQuery);

  const report = await runCheck({
    env: c.env,
    d1: c.env.DB,
    db: c.get('db'),
    config: c.get('config'),
    settings: readOpsSettings(c.env),
    nowMs: Date.now(),
    stripe: query.stripe === '1' ? { origin: new URL(c.req.url).origin } : null,
  });

  const failing = report.findings.filter((f) => f.severity === 'error').map((f) => f.code);
  if (report.healthy) log.info('ops.check', { healthy: true, stripe: query.stripe === '1' });
  else log.warn('ops.check', { healthy: false, stripe: query.stripe === '1', errors: failing });

  c.header('Cache-Control', 'no-store');
  return c.json(report, report.healthy ? 200 : 503);
});

opsCheck.all('/ops/check', requireToken('OPS_TOKEN'), methodNotAllowed('GET'));
