/**
 * Turns a verified, parsed event into a record and (maybe) an invoice change.
 *
 * Everything that reaches here was signed by Stripe, so every outcome is final and answered 2xx:
 * Stripe retrying an event we cannot use would only repeat the same answer for days. Only a
 * database failure, which a retry can fix, propagates to become a 500.
 */
import type { Database } from '../db/client.ts';
import {
  recordAndApply,
  recordOnly,
  type EventRecord,
  type WriteResult,
} from '../db/apply-event.ts';
import { stateKey } from '../invoices/status.ts';
import type { EventEnvelope } from './event.ts';
import { classify } from './invoice-events.ts';
import { log } from '../lib/log.ts';

export interface HandleContext {
  db: Database;
  secret: string;
  expectedLivemode: boolean | null;
  nowMs: number;
}

export interface Handled {
  record: EventRecord;
  result: WriteResult;
  /** The status the event asked for, for the log line of a change. */
  target: string | null;
}

let livemodeWarned = false;

/** Once per isolate: without a key or STRIPE_LIVEMODE, events of both modes are applied. */
function warnLivemodeUnchecked(): void {
  if (livemodeWarned) return;
  livemodeWarned = true;
  log.warn('webhook.livemode_unchecked', {
    hint: 'set STRIPE_SECRET_KEY or STRIPE_LIVEMODE so events of the other mode are ignored',
  });
}

/** Records `event` and applies it to its invoice when it is an invoice status event. */
export async function handleEvent(event: EventEnvelope, ctx: HandleContext): Promise<Handled> {
  const classified = classify(event);

  const record: EventRecord = {
    id: event.id,
    source: 'webhook',
    type: event.type,
    account: event.account ?? null,
    livemode: event.livemode ?? null,
    apiVersion: event.api_version ?? null,
    created: event.created,
    receivedAt: ctx.nowMs,
    secret: ctx.secret,
    invoiceId: classified.handled ? classified.invoiceId : null,
    error: null,
  };

  const mode = event.livemode ?? null;
  if (ctx.expectedLivemode === null) warnLivemodeUnchecked();

  if (ctx.expectedLivemode !== null && mode !== null && mode !== ctx.expectedLivemode) {
    const worker = ctx.expectedLivemode ? 'live' : 'test';
    const error = `event livemode ${mode} but the worker runs in ${worker} mode`;
    const result = await recordOnly(ctx.db, { ...record, error }, 'livemode_mismatch');
    return { record, result, target: null };
  }

  if (!classified.handled) {
    return { record, result: await recordOnly(ctx.db, record, 'ignored'), target: null };
  }

  if ('invalid' in classified) {
    const result = await recordOnly(ctx.db, { ...record, error: classified.invalid }, 'invalid');
    return { record, result, target: null };
  }

  const { effect, invoiceId } = classified;

  if (effect.kind === 'skip') {
    const result = await recordOnly(ctx.db, { ...record, error: effect.reason }, 'ignored');
    return { record, result, target: null };
  }

  const change =
    effect.kind === 'status'
      ? {
          status: effect.status,
          paidAt: effect.paidAt,
          stateKey: stateKey(effect.status, event.created, event.id),
        }
      : null;

  const result = await recordAndApply(ctx.db, { ...record, invoiceId }, change, ctx.nowMs);
  return { record, result, target: change?.status ?? null };
}
