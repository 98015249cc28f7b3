/**
 * `npm run load`: proves that nothing is lost or corrupted under concurrent, duplicated,
 * shuffled delivery.
 *
 * Builds random histories for hundreds of invoices (every handled and noted type, unhandled types,
 * same-second ties, other accounts, platform events without an account, live-mode events,
 * partial payments), delivers a fifth of the events twice, tracks some invoices only in the middle
 * of the run, shuffles everything and sends it at a concurrency of at least 50 to the worker in
 * `wrangler dev` (127.0.0.1, fresh local D1). Then it reads every row back and compares it with
 * the independent model in test/model/invoice-rules.ts: each invoice's status, paid_at and
 * deciding event; each event recorded exactly once with an allowed outcome; each event answered
 * `duplicate` on every delivery but one; no 5xx; no secret in any answer or log line. Exits 1 on
 * any difference.
 *
 * Options (flag or environment variable): --invoices/LOAD_INVOICES (200), --concurrency/
 * LOAD_CONCURRENCY (64), --seconds/LOAD_SECONDS (90, the deadline for sending), --seed/LOAD_SEED,
 * --port/LOAD_PORT (8791).
 */
import { invoiceEvent } from '../test/factories/events.ts';
import {
  allowedOutcomes,
  effectOf,
  finalState,
  type ModelEvent,
} from '../test/model/invoice-rules.ts';
import { option, random, shuffle, signedDelivery, trackRequest } from './harness/deliveries.ts';
import { BENCH_SECRETS, startDevServer } from './harness/dev-server.ts';
import { byStatus, quantile, runPool, table, type Prepared } from './harness/http.ts';

const settings = {
  invoices: option('invoices', 'LOAD_INVOICES', 200),
  concurrency: Math.max(50, option('concurrency', 'LOAD_CONCURRENCY', 64)),
  seconds: option('seconds', 'LOAD_SECONDS', 90),
  seed: option('seed', 'LOAD_SEED', Date.now() % 1_000_000),
  port: option('port', 'LOAD_PORT', 8791),
  duplicateFraction: 0.2,
  trackedLate: 0.3,
};

const TYPES: [string, number][] = [
  ['invoice.paid', 14],
  ['invoice.payment_succeeded', 10],
  ['invoice.payment_failed', 14],
  ['invoice.voided', 5],
  ['invoice.marked_uncollectible', 6],
  ['invoice.deleted', 2],
  ['invoice.created', 6],
  ['invoice.finalized', 8],
  ['invoice.sent', 5],
  ['invoice.updated', 8],
  ['invoice.payment_action_required', 3],
  ['invoice.upcoming', 3],
  ['invoice.will_be_due', 2],
];
// Invoices that are never paid or voided: their ties between failed and uncollectible matter.
const DUNNING: [string, number][] = [
  ['invoice.payment_failed', 5],
  ['invoice.marked_uncollectible', 3],
  ['invoice.finalized', 1],
  ['invoice.updated', 1],
];

const UNKNOWN_TYPES = new Set(['invoice.upcoming', 'invoice.will_be_due']);

interface Planned {
  event: Record<string, unknown>;
  model: ModelEvent;
  invoice: string;
  /** The invoice_id the record must carry: null for types the worker does not know. */
  recordedInvoice: string | null;
}

function pick(rand: () => number, types: [string, number][]): string {
  let roll = rand() * types.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [type, weight] of types) {
    roll -= weight;
    if (roll < 0) return type;
  }
  return 'invoice.paid';
}

/** One random event for `invoice`, with the model's view of it. */
function plan(
  rand: () => number,
  invoice: string,
  account: string,
  base: number,
  types: [string, number][],
): Planned {
  const type = pick(rand, types);
  const roll = rand();
  const eventAccount = roll < 0.05 ? null : roll < 0.1 ? 'acct_1LoadStranger' : account;
  const livemode = rand() < 0.03;
  const created = base + Math.floor(rand() * 12);

  let status: string | null | undefined;
  if ((type === 'invoice.paid' || type === 'invoice.payment_succeeded') && rand() < 0.15) {
    status = 'open';
  }
  if (type === 'invoice.payment_failed' && rand() < 0.25) status = 'uncollectible';
  const paidAt = rand() < 0.1 ? null : created - Math.floor(rand() * 5);

  const event = invoiceEvent(type, {
    invoice,
    account: eventAccount,
    livemode,
    created,
    status,
    paidAt,
  });
  const object = (event.data as { object: Record<string, unknown> }).object;
  const transitions = object.status_transitions as { paid_at?: number | null } | undefined;

  const model: ModelEvent = {
    id: event.id as string,
    type,
    created,
    account: eventAccount,
    livemode,
    invoiceStatus: (object.status as string | undefined) ?? null,
    paidAt: transitions?.paid_at ?? null,
  };
  // Types the worker does not know are recorded without an invoice.
  const known = !UNKNOWN_TYPES.has(type);
  return { event, model, invoice, recordedInvoice: known ? invoice : null };
}

interface Row {
  [column: string]: unknown;
}

async function rows(url: string, name: 'invoices' | 'invoice_events'): Promise<Row[]> {
  const res = await fetch(`${url}/__bench/rows/${name}`);
  if (!res.ok) throw new Error(`reading ${name} failed: ${res.status}`);
  return (await res.json()) as Row[];
}

async function main() {
  const rand = random(settings.seed);
  console.error(`load: ${JSON.stringify(settings)}`);

  // Histories: 5 to 15 events per invoice, created within a dozen seconds of each other.
  const base = Math.floor(Date.now() / 1000) - 86_400;
  const invoices = Array.from({ length: settings.invoices }, (_, i) => ({
    id: `in_load${String(i).padStart(6, '0')}`,
    account: `acct_1Load${i % 40}`,
    late: rand() < settings.trackedLate,
    events: [] as Planned[],
  }));
  for (const invoice of invoices) {
    const count = 5 + Math.floor(rand() * 11);
    const start = base + Math.floor(rand() * 600);
    const types = rand() < 0.35 ? DUNNING : TYPES;
    for (let i = 0; i < count; i += 1) {
      invoice.events.push(plan(rand, invoice.id, invoice.account, start, types));
    }
  }

  const planned = invoices.flatMap((invoice) => invoice.events);
  const deliveries: { request: Prepared; eventId: string | null }[] = [];
  for (const item of planned) {
    const secret =
      item.model.account === null
        ? BENCH_SECRETS.STRIPE_WEBHOOK_SECRET
        : BENCH_SECRETS.STRIPE_CONNECT_WEBHOOK_SECRET;
    const copies = rand() < settings.duplicateFraction ? 2 : 1;
    for (let c = 0; c < copies; c += 1) {
      deliveries.push({
        request: await signedDelivery(item.event, secret),
        eventId: item.model.id,
      });
    }
  }
  for (const invoice of invoices.filter((i) => i.late)) {
    deliveries.push({ request: trackRequest(invoice.id, invoice.account), eventId: null });
  }
  shuffle(deliveries, rand);

  const server = await startDevServer({ port: settings.port });
  const differences: string[] = [];
  const differ = (text: string) => differences.push(text);

  try {
    const early = await runPool(
      server.url,
      invoices.filter((i) => !i.late).map((i) => trackRequest(i.id, i.account)),
      16,
      60_000,
    );
    for (const answer of early.answers) {
      if (answer.status !== 201) differ(`tracking answered ${answer.status}: ${answer.body}`);
    }

    const run = await runPool(
      server.url,
      deliveries.map((d) => d.request),
      settings.concurrency,
      settings.seconds * 1000,
    );
    if (run.skipped > 0) differ(`${run.skipped} requests not sent before the deadline`);

    // Answers: no 5xx, every delivery 2xx, one non-duplicate answer per event.
    const firstAnswers = new Map<string, { outcome: string; count: number }>();
    for (const answer of run.answers) {
      const delivery = deliveries[answer.index] as { eventId: string | null };
      if (answer.status >= 500 || answer.status === 0) {
        differ(
          `answer ${answer.status} for ${delivery.eventId ?? 'tracking'}: ${answer.body.slice(0, 200)}`,
        );
        continue;
      }
      if (delivery.eventId === null) {
        if (answer.status !== 201) differ(`late tracking answered ${answer.status}`);
        continue;
      }
      if (answer.status !== 200) {
        differ(`event ${delivery.eventId} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
        continue;
      }
      const { outcome } = JSON.parse(answer.body) as { outcome: string };
      if (outcome === 'duplicate') continue;
      const seen = firstAnswers.get(delivery.eventId);
      if (seen) seen.count += 1;
      else firstAnswers.set(delivery.eventId, { outcome, count: 1 });
    }

    // Stored rows against the model.
    const invoiceRows = new Map(
      (await rows(server.url, 'invoices')).map((r) => [r.stripe_invoice_id, r]),
    );
    const eventRows = await rows(server.url, 'invoice_events');
    const eventById = new Map(eventRows.map((r) => [r.id, r]));

    if (invoiceRows.size !== invoices.length) {
      differ(`${invoiceRows.size} invoice rows, expected ${invoices.length}`);
    }
    if (eventRows.length !== planned.length) {
      differ(`${eventRows.length} event rows, expected ${planned.length}`);
    }

    for (const invoice of invoices) {
      const expected = finalState(
        [...invoice.events].map((p) => p.model).sort((a, b) => a.created - b.created),
        invoice.account,
      );
      const row = invoiceRows.get(invoice.id);
      if (!row) {
        differ(`${invoice.id}: not tracked`);
        continue;
      }
      const got = {
        status: row.status,
        paidAt: row.paid_at ?? null,
        eventId: row.status_event_id ?? null,
      };
      if (
        got.status !== expected.status ||
        got.paidAt !== expected.paidAt ||
        got.eventId !== expected.eventId
      ) {
        differ(`${invoice.id}: stored ${JSON.stringify(got)}, model ${JSON.stringify(expected)}`);
      }

      for (const item of invoice.events) {
        const id = item.model.id;
        const record = eventById.get(id);
        const answered = firstAnswers.get(id);
        if (!record) {
          differ(`${id} (${item.model.type}): not recorded`);
          continue;
        }
        if (answered?.count !== 1) differ(`${id}: ${answered?.count ?? 0} non-duplicate answers`);
        if ((record.invoice_id ?? null) !== item.recordedInvoice) {
          differ(
            `${id}: recorded for ${String(record.invoice_id)}, expected ${item.recordedInvoice}`,
          );
        }
        const allowed = allowedOutcomes(item.model, invoice.account, expected.eventId);
        if (!allowed.includes(record.outcome as string)) {
          differ(
            `${id} (${item.model.type}): outcome ${String(record.outcome)}, allowed ${allowed.join('|')}`,
          );
        }
        // An answer can only differ from the record while the invoice was untracked.
        if (answered && answered.outcome !== record.outcome) {
          if (answered.outcome !== 'untracked' || !invoice.late) {
            differ(`${id}: answered ${answered.outcome}, recorded ${String(record.outcome)}`);
          }
        }
      }
    }

    // Logs: no unhandled error, no failed write, no secret.
    const secrets = Object.values(BENCH_SECRETS);
    for (const line of server.output) {
      if (/"msg":"(http\.unhandled|webhook\.db_failed|http\.failed)"/.test(line))
        differ(`log: ${line}`);
      if (secrets.some((secret) => line.includes(secret))) differ('a secret appeared in the logs');
    }
    for (const answer of run.answers) {
      if (secrets.some((secret) => answer.body.includes(secret)))
        differ('a secret appeared in an answer');
    }

    const webhookAnswers = run.answers.filter(
      (a) => (deliveries[a.index] as { eventId: string | null }).eventId !== null,
    );
    const latencies = webhookAnswers.map((a) => a.ms);
    const statuses = byStatus(run.answers);
    console.log(
      table([
        [
          'invoices',
          `${invoices.length} (${invoices.filter((i) => i.late).length} tracked mid-run)`,
        ],
        ['unique events', String(planned.length)],
        [
          'deliveries',
          `${webhookAnswers.length} (${webhookAnswers.length - planned.length} duplicates)`,
        ],
        ['concurrency', String(settings.concurrency)],
        ['requests per second', (run.answers.length / (run.wallMs / 1000)).toFixed(1)],
        [
          'latency p50 / p95 / p99',
          `${quantile(latencies, 0.5).toFixed(1)} / ${quantile(latencies, 0.95).toFixed(1)} / ${quantile(latencies, 0.99).toFixed(1)} ms`,
        ],
        [
          'answers by status',
          Object.entries(statuses)
            .map(([s, n]) => `${s}: ${n}`)
            .join(', '),
        ],
        ['seed', String(settings.seed)],
        ['differences', String(differences.length)],
      ]),
    );
    console.log(
      JSON.stringify({
        settings,
        invoices: invoices.length,
        events: planned.length,
        deliveries: webhookAnswers.length,
        answersByStatus: statuses,
        differences: differences.length,
      }),
    );
    for (const line of differences.slice(0, 30)) console.log(`DIFF ${line}`);
  } finally {
    await server.stop();
  }

  if (differences.length > 0) process.exitCode = 1;
}

await main();
