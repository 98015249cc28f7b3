/**
 * A local stand-in for Stripe's API, for tests. Runs in Node (vitest's global setup) on 127.0.0.1
 * and is reached by the worker's real Stripe SDK over real HTTP.
 *
 * Each test scripts it under its own secret key: requests are routed by the bearer key, so test
 * files running at once never see each other's scripts. A request no script expects is answered
 * 500 and kept in the `unexpected` list, which the tests' helper turns into a failure.
 *
 * A process that starts the stand-in itself (the dev stand-in, scripts/stripe-stand-in.ts) may
 * also give it a fallback script for any key, whose routes may compute their answer (`reply`).
 * A script may also be scoped to one connected account (`?account=acct_...` on the control
 * routes): it then sees only requests with that `Stripe-Account`, and takes them before the key's
 * own script. That lets a test use a key it cannot choose (the worker's configured one, for a
 * cron dispatched by the runtime) without seeing another test's requests.
 *
 * Control routes (only on this server, never in the worker):
 * - `PUT /__stand-in/scripts/:key[?account=]` `{ routes: Route[] }` replaces the script and log;
 * - `GET /__stand-in/scripts/:key[?account=]` returns `{ requests, unexpected, peakInFlight }`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Route {
  method: string;
  /** Exact path, or a prefix ending in `*`. */
  path: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many times this route answers; unlimited when absent. */
  times?: number;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Drop the connection instead of answering: a network error for the client. */
  drop?: boolean;
  /** Computes the answer from the request (in-process scripts only; JSON cannot carry it). */
  reply?: (seen: SeenRequest) => { status?: number; body: unknown };
}

/** Options for a stand-in started in-process. */
export interface StandInOptions {
  /** The script for keys that have none of their own. */
  fallback?: Route[];
}

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  stripeAccount: string | null;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  authorization: string | null;
}

interface Script {
  routes: (Route & { used: number })[];
  requests: SeenRequest[];
  unexpected: SeenRequest[];
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight: number;
  peakInFlight: number;
}

const scriptName = (key: string, account: string | null) => (account ? `${key}@${account}` : key);

const scripts = new Map<string, Script>();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const header = (req: IncomingMessage, name: string): string | null => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
};

function matches(route: Route, method: string, path: string): boolean {
  if (route.method.toUpperCase() !== method) return false;
  if (route.times !== undefined && (route as Route & { used: number }).used >= route.times) {
    return false;
  }
  return route.path.endsWith('*') ? path.startsWith(route.path.slice(0, -1)) : route.path === path;
}

const FALLBACK = '*';

/** Starts the stand-in on 127.0.0.1:`port`. */
export function startStandIn(port: number, options: StandInOptions = {}): Promise<Server> {
  if (options.fallback) {
    scripts.set(FALLBACK, {
      routes: options.fallback.map((route) => ({ ...route, used: 0 })),
      requests: [],
      unexpected: [],
      inFlight: 0,
      peakInFlight: 0,
    });
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };

    const control = /^\/__stand-in\/scripts\/([^/]+)$/.exec(url.pathname);
    if (control) {
      const name = scriptName(
        decodeURIComponent(control[1] ?? ''),
        url.searchParams.get('account'),
      );
      if (req.method === 'PUT') {
        const { routes } = JSON.parse(body) as { routes: Route[] };
        scripts.set(name, {
          routes: routes.map((route) => ({ ...route, used: 0 })),
          requests: [],
          unexpected: [],
          inFlight: 0,
          peakInFlight: 0,
        });
        return reply(200, { ok: true });
      }
      const script = scripts.get(name);
      return reply(200, {
        requests: script?.requests ?? [],
        unexpected: script?.unexpected ?? [],
        peakInFlight: script?.peakInFlight ?? 0,
      });
    }

    const authorization = header(req, 'authorization');
    const key = authorization?.replace(/^Bearer /, '') ?? '';
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      form: Object.fromEntries(new URLSearchParams(body)),
      stripeAccount: header(req, 'stripe-account'),
      idempotencyKey: header(req, 'idempotency-key'),
      stripeVersion: header(req, 'stripe-version'),
      authorization,
    };

    const script =
      scripts.get(scriptName(key, seen.stripeAccount)) ?? scripts.get(key) ?? scripts.get(FALLBACK);
    const route = script?.routes.find((candidate) => matches(candidate, seen.method, seen.path));

    if (!script || !route) {
      script?.unexpected.push(seen);
      return reply(500, {
        error: { type: 'api_error', message: `stand-in: unexpected ${seen.method} ${seen.path}` },
      });
    }

    route.used += 1;
    script.requests.push(seen);
    script.inFlight += 1;
    script.peakInFlight = Math.max(script.peakInFlight, script.inFlight);

    if (route.delayMs) await new Promise((resolve) => setTimeout(resolve, route.delayMs));
    script.inFlight -= 1;
    if (route.drop) {
      req.socket.destroy();
      return;
    }

    const computed = route.reply?.(seen);
    reply(computed?.status ?? route.status ?? 200, computed?.body ?? route.body ?? {}, {
      'request-id': `req_standin_${route.used}`,
      ...route.headers,
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
