/**
 * `npm run bench`: how fast the worker handles signed invoice events, and how far inside the
 * Workers limits it stays.
 *
 * Starts the worker in `wrangler dev` (workerd, fresh local D1, test secrets, 127.0.0.1 only),
 * tracks a set of invoices, then posts unique, correctly signed events with a fixed concurrency,
 * bounded in count and time. Prints a table and JSON (also written to bench/out/): throughput,
 * latency, answers by status, workerd CPU per event (idle subtracted), D1 statements and round
 * trips per event (counted by bench/harness/count-d1.ts), the deployable bundle's size, and the
 * floor (bench/floor.ts) with the worker's ratio to it.
 *
 * Options (flag or environment variable): --events/BENCH_EVENTS (1500), --invoices/BENCH_INVOICES
 * (200), --concurrency/BENCH_CONCURRENCY (16), --windows/BENCH_WINDOWS (10), --seconds/
 * BENCH_SECONDS (60, the deadline for posting), --port/BENCH_PORT (8790), --floor/BENCH_FLOOR
 * (3000 iterations), --probe/BENCH_PROBE (300 requests per breakdown step), --plain/BENCH_PLAIN
 * (1 runs src/index.ts without the D1-counting wrapper, to show the wrapper costs nothing).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { invoiceEvent } from '../test/factories/events.ts';
import { signedDelivery, option, random, trackRequest } from './harness/deliveries.ts';
import { startDevServer, type DevServer } from './harness/dev-server.ts';
import { byStatus, quantile, runPool, table, type Answer, type Prepared } from './harness/http.ts';
import { cpuMs } from './harness/processes.ts';
import { measureFloor } from './floor.ts';

const ROOT = resolve(import.meta.dirname, '..');

const settings = {
  events: option('events', 'BENCH_EVENTS', 1500),
  invoices: option('invoices', 'BENCH_INVOICES', 200),
  concurrency: option('concurrency', 'BENCH_CONCURRENCY', 16),
  windows: option('windows', 'BENCH_WINDOWS', 10),
  seconds: option('seconds', 'BENCH_SECONDS', 60),
  port: option('port', 'BENCH_PORT', 8790),
  floorIterations: option('floor', 'BENCH_FLOOR', 3000),
  probeRequests: option('probe', 'BENCH_PROBE', 300),
  // 1: run src/index.ts itself, without the D1-counting wrapper (D1 figures are then not counted).
  plain: option('plain', 'BENCH_PLAIN', 0) === 1,
  idleSeconds: 2,
};

/** The mix of a busy Connect platform's invoice traffic; every type here touches D1. */
const MIX: [string, number][] = [
  ['invoice.paid', 0.35],
  ['invoice.payment_succeeded', 0.3],
  ['invoice.payment_failed', 0.15],
  ['invoice.finalized', 0.1],
  ['invoice.voided', 0.05],
  ['invoice.marked_uncollectible', 0.05],
];

function pickType(rand: () => number): string {
  let roll = rand();
  for (const [type, weight] of MIX) {
    roll -= weight;
    if (roll < 0) return type;
  }
  return 'invoice.paid';
}

/** Size of what `wrangler deploy` would upload, minified; wrangler's own summary line too. */
function bundleSize() {
  const outdir = mkdtempSync(join(tmpdir(), 'invoice-bundle-'));
  try {
    const result = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--outdir',
        outdir,
        '--minify',
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      },
    );
    if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stderr}`);

    const files = readdirSync(outdir).filter((name) => /\.(m?js|wasm)$/.test(name));
    const bytes = files.map((name) => readFileSync(join(outdir, name)));
    const raw = bytes.reduce((sum, file) => sum + file.length, 0);
    const gzip = bytes.reduce((sum, file) => sum + gzipSync(file, { level: 9 }).length, 0);
    const summary = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(result.stdout);
    return {
      rawKiB: round(raw / 1024),
      gzipKiB: round(gzip / 1024),
      wrangler: summary ? `${summary[1]} / gzip ${summary[2]}` : 'not printed',
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

function machine() {
  const workerd = spawnSync(join(ROOT, 'node_modules/.bin/workerd'), ['--version'], {
    encoding: 'utf8',
  });
  const wrangler = JSON.parse(
    readFileSync(join(ROOT, 'node_modules/wrangler/package.json'), 'utf8'),
  ) as { version: string };
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    // Other work on the machine skews every figure; this says how busy it was.
    loadAverage1m: round(loadavg()[0] ?? 0, 2),
    node: process.version,
    workerd: (workerd.stdout || workerd.stderr).trim(),
    wrangler: wrangler.version,
  };
}

/** workerd CPU per request for `requests`, idle subtracted. */
async function cpuPerRequest(
  server: DevServer,
  requests: Prepared[],
  concurrency: number,
  idleMsPerSecond: number,
): Promise<{ ms: number; statuses: Record<string, number> }> {
  const before = cpuMs(server.workerdPid);
  const result = await runPool(server.url, requests, concurrency, 60_000);
  const used = cpuMs(server.workerdPid) - before - (idleMsPerSecond * result.wallMs) / 1000;
  return { ms: round(used / result.answers.length, 3), statuses: byStatus(result.answers) };
}

/**
 * Requests that stop at each step of the webhook, to show where the CPU goes: routing only (404),
 * routing + body + signature check (a same-size event signed with an unknown secret), and a
 * verified event whose type is not handled (+ parse + one single-statement insert).
 */
async function probes(count: number, invoice: { id: string; account: string }, base: number) {
  const notFound: Prepared[] = [];
  const badSignature: Prepared[] = [];
  const unhandled: Prepared[] = [];
  for (let i = 0; i < count; i += 1) {
    notFound.push({ path: '/bench-probe-not-a-route', method: 'GET', headers: {} });
    const event = invoiceEvent('invoice.paid', {
      invoice: invoice.id,
      account: invoice.account,
      created: base,
    });
    badSignature.push(await signedDelivery(event, 'whsec_bench_probe_not_configured'));
    const upcoming = invoiceEvent('invoice.upcoming', {
      invoice: invoice.id,
      account: invoice.account,
      created: base,
    });
    unhandled.push(await signedDelivery(upcoming));
  }
  return { notFound, badSignature, unhandled };
}

async function d1Counts(server: DevServer, method: 'GET' | 'DELETE') {
  if (settings.plain)
    return { roundTrips: Number.NaN, statements: Number.NaN, batches: Number.NaN };
  const res = await fetch(`${server.url}/__bench/d1`, { method });
  return (await res.json()) as { roundTrips: number; statements: number; batches: number };
}

async function main() {
  const rand = random(42);
  console.error(`bench: ${JSON.stringify(settings)}`);

  const bundle = bundleSize();
  console.error(`bench: bundle ${bundle.rawKiB} KiB raw, ${bundle.gzipKiB} KiB gzip`);

  // Invoice ids and accounts, then every event signed before the clock starts.
  const invoices = Array.from({ length: settings.invoices }, (_, i) => ({
    id: `in_bench${String(i).padStart(6, '0')}`,
    account: `acct_1Bench${i % 25}`,
  }));
  const base = Math.floor(Date.now() / 1000) - 3600;
  const warmup = 100;
  const deliveries = [];
  for (let i = 0; i < settings.events + warmup; i += 1) {
    const invoice = invoices[i % invoices.length] as { id: string; account: string };
    const event = invoiceEvent(pickType(rand), {
      invoice: invoice.id,
      account: invoice.account,
      created: base + i,
    });
    deliveries.push(await signedDelivery(event));
  }

  const probeRequests = await probes(
    settings.probeRequests,
    invoices[0] as { id: string; account: string },
    base,
  );
  const floor = await measureFloor(deliveries[0]?.body ?? '', settings.floorIterations);
  console.error(`bench: floor ${floor.totalUs.toFixed(1)} µs per event`);

  const server = await startDevServer({
    port: settings.port,
    entry: settings.plain ? join(ROOT, 'src/index.ts') : undefined,
  });
  try {
    const tracked = await runPool(
      server.url,
      invoices.map((invoice) => trackRequest(invoice.id, invoice.account)),
      8,
      60_000,
    );
    const trackFailures = tracked.answers.filter((a) => a.status !== 201 && a.status !== 200);
    if (trackFailures.length > 0) throw new Error(`tracking failed: ${trackFailures[0]?.body}`);

    await runPool(server.url, deliveries.slice(0, warmup), settings.concurrency, 30_000);

    // Idle baseline: what workerd burns doing nothing, subtracted from every window.
    const idleStart = cpuMs(server.workerdPid);
    await sleep(settings.idleSeconds * 1000);
    const idleMsPerSecond = (cpuMs(server.workerdPid) - idleStart) / settings.idleSeconds;

    await d1Counts(server, 'DELETE');
    const timed = deliveries.slice(warmup);
    const windowSize = Math.ceil(timed.length / settings.windows);
    const answers: Answer[] = [];
    const windows: { events: number; cpuMsPerEvent: number }[] = [];
    const deadline = Date.now() + settings.seconds * 1000;
    let skipped = 0;
    let wallMs = 0;
    const cpuStart = cpuMs(server.workerdPid);
    const proxyStart = server.proxyPid === null ? Number.NaN : cpuMs(server.proxyPid);

    for (let w = 0; w < settings.windows; w += 1) {
      const slice = timed.slice(w * windowSize, (w + 1) * windowSize);
      if (slice.length === 0) break;
      const before = cpuMs(server.workerdPid);
      const result = await runPool(
        server.url,
        slice,
        settings.concurrency,
        Math.max(0, deadline - Date.now()),
        (answer) => answer.status !== 200,
      );
      const used = cpuMs(server.workerdPid) - before - (idleMsPerSecond * result.wallMs) / 1000;
      answers.push(...result.answers);
      skipped += result.skipped;
      wallMs += result.wallMs;
      if (result.answers.length > 0) {
        windows.push({
          events: result.answers.length,
          cpuMsPerEvent: used / result.answers.length,
        });
      }
    }

    const cpuTotal = cpuMs(server.workerdPid) - cpuStart - (idleMsPerSecond * wallMs) / 1000;
    const proxyTotal = server.proxyPid === null ? Number.NaN : cpuMs(server.proxyPid) - proxyStart;
    const d1 = await d1Counts(server, 'GET');

    const breakdown = {
      notFound: await cpuPerRequest(
        server,
        probeRequests.notFound,
        settings.concurrency,
        idleMsPerSecond,
      ),
      badSignature: await cpuPerRequest(
        server,
        probeRequests.badSignature,
        settings.concurrency,
        idleMsPerSecond,
      ),
      unhandledType: await cpuPerRequest(
        server,
        probeRequests.unhandled,
        settings.concurrency,
        idleMsPerSecond,
      ),
    };
    const sent = answers.length;
    const latencies = answers.map((a) => a.ms);
    const perEvent = windows.map((w) => w.cpuMsPerEvent);
    const cpuMedian = quantile(perEvent, 0.5);

    const report = {
      settings,
      machine: machine(),
      events: sent,
      skippedByDeadline: skipped,
      eventsPerSecond: round(sent / (wallMs / 1000), 1),
      latencyMs: {
        p50: round(quantile(latencies, 0.5)),
        p95: round(quantile(latencies, 0.95)),
        p99: round(quantile(latencies, 0.99)),
      },
      answersByStatus: byStatus(answers),
      cpuMsPerEvent: {
        median: round(cpuMedian, 3),
        mean: round(cpuTotal / sent, 3),
        windowMin: round(Math.min(...perEvent), 3),
        windowMax: round(Math.max(...perEvent), 3),
        windows: perEvent.length,
        idleMsPerSecond: round(idleMsPerSecond, 2),
        proxyMsPerEvent: round(proxyTotal / sent, 3),
      },
      cpuBreakdownMsPerRequest: {
        routingOnly404: breakdown.notFound.ms,
        plusSignatureCheck400: breakdown.badSignature.ms,
        plusParseAndOneInsert: breakdown.unhandledType.ms,
        fullEvent: round(cpuMedian, 3),
      },
      d1PerEvent: {
        statements: round(d1.statements / sent, 3),
        roundTrips: round(d1.roundTrips / sent, 3),
      },
      bundle,
      floor: {
        iterations: floor.iterations,
        hmacCpuUs: round(floor.hmac.cpuUs, 1),
        hmacWallUs: round(floor.hmac.wallUs, 1),
        updateCpuUs: round(floor.update.cpuUs, 1),
        updateWallUs: round(floor.update.wallUs, 1),
        totalCpuUs: round(floor.totalUs, 1),
      },
      workerToFloor: round((cpuMedian * 1000) / floor.totalUs, 1),
      targets: {
        cpuMedianAtMost1ms: cpuMedian <= 1,
        oneRoundTripPerEvent: settings.plain ? null : d1.roundTrips / sent <= 1,
        bundleUnder150KiBGzip: bundle.gzipKiB < 150,
      },
      failures: answers
        .filter((a) => a.status !== 200)
        .slice(0, 5)
        .map((a) => a.body.slice(0, 200)),
    };

    const statuses = Object.entries(report.answersByStatus)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ');
    console.log(
      table([
        ['events (unique, signed)', `${sent} (concurrency ${settings.concurrency})`],
        ['events per second', String(report.eventsPerSecond)],
        [
          'latency p50 / p95 / p99',
          `${report.latencyMs.p50} / ${report.latencyMs.p95} / ${report.latencyMs.p99} ms`,
        ],
        ['answers by status', statuses],
        [
          'workerd CPU per event',
          `${report.cpuMsPerEvent.median} ms median of ${perEvent.length} windows (mean ${report.cpuMsPerEvent.mean}, range ${report.cpuMsPerEvent.windowMin}–${report.cpuMsPerEvent.windowMax})`,
        ],
        [
          '  wrangler proxy CPU',
          `${report.cpuMsPerEvent.proxyMsPerEvent} ms per event (not the worker's)`,
        ],
        [
          '  where it goes',
          `404 ${breakdown.notFound.ms} → bad signature ${breakdown.badSignature.ms} → unhandled type, 1 insert ${breakdown.unhandledType.ms} → full event ${round(cpuMedian, 3)} ms`,
        ],
        [
          'D1 per event',
          `${report.d1PerEvent.statements} statements, ${report.d1PerEvent.roundTrips} round trips`,
        ],
        [
          'bundle (minified)',
          `${bundle.rawKiB} KiB raw, ${bundle.gzipKiB} KiB gzip (wrangler: ${bundle.wrangler})`,
        ],
        [
          'floor per event',
          `${report.floor.totalCpuUs} µs CPU (HMAC ${report.floor.hmacCpuUs} + update ${report.floor.updateCpuUs}; update wall ${report.floor.updateWallUs})`,
        ],
        ['worker / floor', `${report.workerToFloor}×`],
        ['target ≤ 1 ms CPU (median)', report.targets.cpuMedianAtMost1ms ? 'met' : 'MISSED'],
        [
          'target 1 D1 round trip',
          settings.plain
            ? 'not counted (--plain)'
            : report.targets.oneRoundTripPerEvent
              ? 'met'
              : 'MISSED',
        ],
        ['target < 150 KiB gzip', report.targets.bundleUnder150KiBGzip ? 'met' : 'MISSED'],
      ]),
    );
    console.log(JSON.stringify(report, null, 2));

    mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
    writeFileSync(
      join(ROOT, `bench/out/bench-${new Date().toISOString().replaceAll(':', '-')}.json`),
      `${JSON.stringify(report, null, 2)}\n`,
    );

    if (report.answersByStatus['200'] !== sent) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

await main();
