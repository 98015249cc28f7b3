/**
 * Bench-only worker entry: the real worker, with its D1 binding counted.
 *
 * `npm run bench` and `npm run load` run this file in `wrangler dev` instead of src/index.ts, so
 * the worker's production path carries no counting code. Every call that reaches D1 is one round
 * trip: `batch()` (its statements counted one by one), `exec()`, and a prepared statement's
 * `first/run/all/raw`. `GET /__bench/d1` reads the counts and `DELETE /__bench/d1` zeroes them.
 * The counting itself costs a few property reads per call, well under a microsecond.
 */
import worker from '../../src/index.ts';

const counts = { roundTrips: 0, statements: 0, batches: 0 };

const STATEMENT_METHODS = ['first', 'run', 'all', 'raw'] as const;
let statementsPatched = false;

/** Counts single-statement calls once, on the prepared-statement class D1 hands out. */
function patchStatements(db: D1Database): void {
  if (statementsPatched) return;
  statementsPatched = true;

  const proto = Object.getPrototypeOf(db.prepare('select 1')) as Record<string, unknown>;
  for (const name of STATEMENT_METHODS) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      counts.roundTrips += 1;
      counts.statements += 1;
      return original.apply(this, args);
    };
  }
}

function counted(db: D1Database): D1Database {
  patchStatements(db);

  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          counts.roundTrips += 1;
          counts.batches += 1;
          counts.statements += statements.length;
          return target.batch(statements);
        };
      }
      if (prop === 'exec') {
        return (query: string) => {
          counts.roundTrips += 1;
          counts.statements += query.split(';').filter((part) => part.trim() !== '').length;
          return target.exec(query);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/__bench/d1') {
      if (request.method === 'DELETE') {
        counts.roundTrips = 0;
        counts.statements = 0;
        counts.batches = 0;
      }
      return Response.json(counts);
    }

    const table = /^\/__bench\/rows\/(invoices|invoice_events)$/.exec(url.pathname)?.[1];
    if (table) {
      const { results } = await env.DB.prepare(`select * from ${table}`).all();
      return Response.json(results);
    }

    return worker.fetch(request, { ...env, DB: counted(env.DB) }, ctx);
  },
} satisfies ExportedHandler<Env>;
