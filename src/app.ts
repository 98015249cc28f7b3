/**
 * The HTTP application: shared middleware, the routes, and the one place errors become answers.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { database } from './db/client.ts';
import type { AppEnv } from './env.ts';
import { readConfig } from './lib/config.ts';
import { AppError, errorBody } from './lib/errors.ts';
import { log } from './lib/log.ts';
import { invoicesApi } from './routes/invoices.ts';
import { sendInvoiceApi } from './routes/send-invoice.ts';
import { opsCheck } from './routes/ops-check.ts';
import { opsEvents } from './routes/ops-events.ts';
import { opsInvoices } from './routes/ops-invoices.ts';
import { opsReconcile } from './routes/ops-reconcile.ts';
import { webhook } from './routes/webhook.ts';

export const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  c.set('config', readConfig(c.env));
  c.set('db', database(c.env.DB));
  await next();
});

app.route('/', webhook);
app.route('/', invoicesApi);
// After invoicesApi, whose `/api/*` guard (API_TOKEN) then covers it too.
app.route('/', sendInvoiceApi);
app.route('/', opsCheck);
app.route('/', opsInvoices);
app.route('/', opsEvents);
app.route('/', opsReconcile);

app.notFound((c) => c.json(errorBody('not_found', 'No such route.'), 404));

app.onError((err, c) => {
  if (err instanceof AppError) {
    if (err.status >= 500) {
      log.error('http.failed', { code: err.code, detail: err.detail, path: c.req.path });
    }
    return c.json(errorBody(err.code, err.publicMessage, err.extra), err.status);
  }

  if (err instanceof HTTPException) {
    return c.json(errorBody('http_error', err.message || 'Request failed.'), err.status);
  }

  // Anything else is a bug or an outage; the detail stays in the log.
  log.error('http.unhandled', {
    path: c.req.path,
    error: err instanceof Error ? `${err.name}: ${err.message}` : 'unknown',
  });
  return c.json(errorBody('internal_error', 'Temporary failure; retry later.'), 500);
});
