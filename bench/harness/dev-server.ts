/**
 * Starts the worker in `wrangler dev` (workerd) on 127.0.0.1 with a fresh local D1, for the bench
 * and the load run, and always stops it again.
 *
 * The D1 is a new temporary directory migrated by `wrangler d1 migrations apply --local`; the
 * secrets are fixed test values written to a temporary env file (never the user's .dev.vars).
 * `wrangler dev` runs two workerd processes: a proxy on the public port and the worker itself; the
 * CPU figure is read from the worker's. Everything runs in its own process group, which `stop()`
 * ends by id, also on Ctrl-C or a crash of the harness.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, descendants } from './processes.ts';

/** Test-only secrets: never real ones. The Connect and platform secrets differ on purpose. */
export const BENCH_SECRETS = {
  STRIPE_WEBHOOK_SECRET: 'whsec_bench_platform_only_for_local_runs',
  STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_bench_connect_only_for_local_runs',
  STRIPE_SECRET_KEY: 'sk_test_bench_only_for_local_runs',
  API_TOKEN: 'bench-api-token-only-for-local-runs',
  OPS_TOKEN: 'bench-ops-token-only-for-local-runs',
} as const;

export interface DevServer {
  url: string;
  /** The workerd process that runs the worker (not wrangler's proxy). */
  workerdPid: number;
  /** The workerd process of wrangler's proxy in front of it, for information. */
  proxyPid: number | null;
  /** Lines the worker and wrangler printed, kept for checks after the run. */
  output: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  port: number;
  /** Worker entry; the bench's D1-counting wrapper by default. */
  entry?: string;
  /** Extra `[vars]`/secrets for the worker. */
  vars?: Record<string, string>;
}

const ROOT = resolve(import.meta.dirname, '../..');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');

/**
 * The environment wrangler runs with. The worker's own variables are removed: wrangler also reads
 * secrets from its process environment, and a value exported in the user's shell (a real key,
 * say) would otherwise win over the test values. `CLOUDFLARE_CF_FETCH_ENABLED=false` stops it
 * from asking workers.cloudflare.com for a `Request.cf` object: loopback only.
 */
const WRANGLER_ENV: Record<string, string | undefined> = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};
for (const name of [
  ...Object.keys(BENCH_SECRETS),
  'STRIPE_LIVEMODE',
  'STRIPE_API_BASE',
  'STRIPE_WEBHOOK_TOLERANCE_SECONDS',
]) {
  delete WRANGLER_ENV[name];
}

function assertLoopbackPort(port: number): void {
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new Error(`port ${port} is not a usable local port`);
  }
}

/** Applies migrations/ to a new local D1 under `persistTo`. */
function migrate(persistTo: string): void {
  const result = spawnSync(
    process.execPath,
    [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
    { cwd: ROOT, env: WRANGLER_ENV, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`wrangler d1 migrations apply failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** Starts the worker and resolves once it answers on `port`. */
export async function startDevServer(options: StartOptions): Promise<DevServer> {
  assertLoopbackPort(options.port);
  const dir = mkdtempSync(join(tmpdir(), 'invoice-bench-'));
  const persistTo = join(dir, 'state');
  const envFile = join(dir, 'bench.env');
  const entry = options.entry ?? join(ROOT, 'bench/harness/count-d1.ts');

  migrate(persistTo);

  const vars = { ...BENCH_SECRETS, ...options.vars };
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
    { mode: 0o600 },
  );

  const child: ChildProcess = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      entry,
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--persist-to',
      persistTo,
      '--env-file',
      envFile,
      '--minify',
      '--inspector-port',
      String(options.port + 1000),
      '--show-interactive-dev-session=false',
    ],
    { cwd: ROOT, env: WRANGLER_ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );

  const output: string[] = [];
  let pending = '';
  const collect = (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    output.push(...lines);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let stopped = false;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killNow);
    try {
      process.kill(-(child.pid as number), 'SIGTERM');
    } catch {
      // Already gone.
    }
    const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // Last resort if the harness dies without reaching `stop()`: end the group synchronously.
  const killNow = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killNow();
      process.exit(130);
    });
  }

  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntilReady(url, child, output);
    const { worker, proxy } = findWorkerd(child.pid as number, options.port);
    return { url, workerdPid: worker, proxyPid: proxy, output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitUntilReady(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited early:\n${output.slice(-30).join('\n')}`);
    }
    try {
      const res = await fetch(`${url}/__bench/d1`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`wrangler dev did not answer within 60 s:\n${output.slice(-30).join('\n')}`);
}

/** The worker's workerd: the one that does not own the public port (that one is the proxy). */
function findWorkerd(root: number, port: number): { worker: number; proxy: number | null } {
  const workerds = descendants(root).filter((stat) => stat.comm === 'workerd');
  const publicAddress = `entry=127.0.0.1:${port}`;
  const proxy = workerds.find((stat) => commandLine(stat.pid).includes(publicAddress));
  const workers = workerds.filter((stat) => stat !== proxy);

  if (workers.length !== 1) {
    throw new Error(`expected one worker workerd process, found ${workers.length}`);
  }
  return { worker: (workers[0] as { pid: number }).pid, proxy: proxy?.pid ?? null };
}
