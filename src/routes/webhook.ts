/**
 * `POST /stripe/webhook` (and `/stripe/webhook/`, the predecessor's URL).
 *
 * Order of work: size limit, configuration, read the raw body once, verify it, then parse and
 * handle. Nothing the sender controls is written or logged before the signature checks out.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.ts';
import { errorBody, errors } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { methodNotAllowed } from '../lib/method-not-allowed.ts';
import { countRejection, flushRejections } from '../ops/rejection-counter.ts';
import { parseEvent } from '../stripe/event.ts';
import { handleEvent } from '../stripe/handle-event.ts';
import { verifySignature } from '../stripe/verify-signature.ts';

/** Far above any Stripe event (Stripe's own are a few tens of KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

export const webhook = new Hono<AppEnv>();

const limit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json(errorBody('payload_too_large', 'Body exceeds 1 MiB.'), 413),
});

const PATHS = ['/stripe/webhook', '/stripe/webhook/'] as const;

for (const path of PATHS) {
  webhook.post(path, limit, flushRejections, async (c) => {
    const started = Date.now();
    const config = c.get('config');

    if (config.secrets.length === 0) {
      log.error('webhook.not_configured', { missing: config.missingSecrets });
      throw errors.notConfigured('no webhook signing secret');
    }

    const body = await c.req.text();
    const verified = await verifySignature(
      body,
      c.req.header('stripe-signature'),
      config.secrets,
      config.toleranceSeconds,
      started,
    );

    if (!verified.ok) {
      log.warn('webhook.rejected', { reason: verified.reason, chars: body.length });
      countRejection(verified.reason, started);
      if (verified.reason === 'not_json') throw errors.notAnEvent(verified.reason);
      throw errors.badSignature(verified.reason);
    }

    const parsed = parseEvent(verified.payload);
    if (!parsed.ok) {
      log.warn('webhook.rejected', { reason: parsed.reason, secret: verified.secret });
      countRejection('invalid_envelope', started);
      throw errors.notAnEvent(parsed.reason);
    }

    const event = parsed.event;
    const handled = await handleEvent(event, {
      db: c.get('db'),
      secret: verified.secret,
      expectedLivemode: config.expectedLivemode,
      nowMs: started,
    }).catch((err: unknown) => {
      log.error('webhook.db_failed', {
        eventId: event.id,
        type: event.type,
        account: event.account ?? null,
        error: err instanceof Error ? err.message : 'unknown',
      });
      throw errors.database('event not recorded');
    });

    const outcome = handled.result.duplicate ? 'duplicate' : handled.result.outcome;

    log.info(outcome === 'applied' ? 'webhook.applied' : 'webhook.recorded', {
      eventId: event.id,
      type: event.type,
      account: event.account ?? null,
      invoice: handled.record.invoiceId,
      outcome,
      status: outcome === 'applied' ? handled.target : undefined,
      secret: verified.secret,
      ms: Date.now() - started,
    });

    return c.json({ received: true, outcome }, 200);
  });

  webhook.all(path, methodNotAllowed('POST'));
}
