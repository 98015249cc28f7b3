/**
 * `npm run check`: calls the worker's `GET /ops/check`, prints a readable summary, and exits
 * non-zero when the worker is unhealthy (1) or the check could not be made (2).
 *
 *   npm run check                              # local worker, OPS_TOKEN from .dev.vars
 *   npm run check -- --stripe                  # also ask Stripe (?stripe=1)
 *   OPS_CHECK_URL=https://invoices.example.com OPS_TOKEN=... npm run check
 *   npm run check -- --url https://invoices.example.com --json
 *
 * The token is taken from --token, else OPS_TOKEN in the environment, else .dev.vars. Prefer the
 * environment: a flag is visible to other users in the process list.
 */
import { parseArgs } from 'node:util';
import { EXIT, exitCodeFor, formatReport } from './check-report.ts';
import { readDevVars } from './lib/dev-vars.ts';

const DEFAULT_URL = 'http://127.0.0.1:8787';

const USAGE =
  'Usage: npm run check -- [--url URL] [--token TOKEN] [--stripe] [--json] [--timeout-seconds N]';

/** Flags, or exit 2 ("the check could not be made") on a flag that makes no sense. */
function readFlags() {
  try {
    const { values } = parseArgs({
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        stripe: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'timeout-seconds': { type: 'string', default: '20' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const seconds = Number(values['timeout-seconds']);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 300) {
      throw new Error('--timeout-seconds must be a whole number from 1 to 300');
    }
    return { ...values, timeoutSeconds: seconds };
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(EXIT.failed);
  }
}

const values = readFlags();

if (values.help) {
  console.log(USAGE);
  process.exit(EXIT.healthy);
}

function devVarsToken(): string | null {
  return readDevVars().OPS_TOKEN?.trim() || null;
}

const base = (values.url ?? process.env.OPS_CHECK_URL ?? DEFAULT_URL).replace(/\/+$/, '');
const token = values.token ?? process.env.OPS_TOKEN ?? devVarsToken();

if (!token) {
  console.error('No OPS_TOKEN: pass --token, set OPS_TOKEN, or add it to .dev.vars.');
  process.exit(EXIT.failed);
}

const url = `${base}/ops/check${values.stripe ? '?stripe=1' : ''}`;
let response: Response;
try {
  response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(values.timeoutSeconds * 1000),
  });
} catch (err) {
  const reason =
    err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : '';
  console.error(`UNREACHABLE  ${base}: ${reason}`);
  process.exit(EXIT.failed);
}

const text = await response.text();
let body: unknown = null;
try {
  body = JSON.parse(text);
} catch {
  // Not JSON: reported below with the status.
}

const code = exitCodeFor(response.status, body);

if (code === EXIT.failed) {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  console.error(
    `CHECK FAILED  ${base}: HTTP ${response.status}` +
      (error ? ` ${error.code}: ${error.message}` : ''),
  );
  process.exit(code);
}

console.log(
  values.json ? JSON.stringify(body, null, 2) : formatReport(body as object, base).join('\n'),
);
process.exit(code);
