/**
 * `?stripe=1`: asks Stripe whether the key works and whether the webhook endpoints that point at
 * this worker will deliver what it needs.
 *
 * Every Stripe error becomes a finding; nothing here throws. Stripe's documented endpoint object
 * does not say whether an endpoint listens to connected accounts; when an answer carries
 * `connect` it is used, otherwise the Connect endpoint cannot be told apart and that is reported.
 */
import Stripe from 'stripe';
import { stripeClient } from '../stripe/client.ts';
import { STATUS_EVENT_TYPES } from '../stripe/invoice-events.ts';
import { finding, type Finding } from './findings.ts';

/** Endpoints read at most; far beyond the 16 Stripe allows an account. */
const MAX_ENDPOINTS = 100;

export interface EndpointReport {
  id: string;
  url: string;
  status: string;
  connect: boolean | null;
  api_version: string | null;
  missing_events: string[];
}

export interface StripeReport {
  key_ok: boolean;
  webhook_url: string;
  endpoints: EndpointReport[];
  /** Endpoints on the account that point elsewhere, by id and URL, for orientation. */
  other_endpoints: { id: string; url: string }[];
}

/** A Stripe error as a finding: auth and permission errors are errors, the rest warnings. */
function stripeErrorFinding(code: string, what: string, err: unknown): Finding {
  if (err instanceof Stripe.errors.StripeError) {
    const fatal =
      err instanceof Stripe.errors.StripeAuthenticationError ||
      err instanceof Stripe.errors.StripePermissionError;
    const type = err.rawType ?? err.type;
    return finding(fatal ? 'error' : 'warning', code, `${what}: Stripe answered ${type}.`, {
      type,
      status: err.statusCode ?? null,
      stripe_code: err.code ?? null,
      request_id: err.requestId ?? null,
    });
  }
  return finding('warning', code, `${what}: the request failed.`, {
    error: err instanceof Error ? err.name : 'unknown',
  });
}

const normalise = (url: string) => url.replace(/\/+$/, '');

/** The status event types an endpoint does not receive (`*` receives them all). */
export function missingEvents(enabled: readonly string[]): string[] {
  if (enabled.includes('*')) return [];
  return STATUS_EVENT_TYPES.filter((type) => !enabled.includes(type));
}

function endpointFindings(endpoint: EndpointReport): Finding[] {
  const about = { endpoint: endpoint.id };
  const findings: Finding[] = [];

  if (endpoint.status !== 'enabled') {
    findings.push(
      finding(
        'error',
        'stripe.endpoint_disabled',
        `Endpoint ${endpoint.id} is ${endpoint.status}.`,
        about,
      ),
    );
  }
  if (endpoint.missing_events.length > 0) {
    findings.push(
      finding(
        'error',
        'stripe.endpoint_missing_events',
        `Endpoint ${endpoint.id} is not subscribed to ${endpoint.missing_events.join(', ')}.`,
        { ...about, missing: endpoint.missing_events },
      ),
    );
  }
  if (endpoint.api_version === null) {
    findings.push(
      finding(
        'warning',
        'stripe.endpoint_api_version_unpinned',
        `Endpoint ${endpoint.id} has no pinned API version; events follow the account default.`,
        about,
      ),
    );
  }
  return findings;
}

/** Findings about the set of endpoints that point at the worker. */
function coverageFindings(endpoints: EndpointReport[], webhookUrl: string): Finding[] {
  if (endpoints.length === 0) {
    return [
      finding('error', 'stripe.no_endpoint', `No webhook endpoint points at ${webhookUrl}.`, {
        webhook_url: webhookUrl,
      }),
    ];
  }

  if (endpoints.every((endpoint) => endpoint.connect === null)) {
    return [
      finding(
        'info',
        'stripe.connect_unknown',
        'Stripe did not say which endpoint listens to connected accounts; check the Dashboard.',
      ),
    ];
  }

  const findings: Finding[] = [];
  const usable = endpoints.filter((endpoint) => endpoint.status === 'enabled');

  if (!usable.some((endpoint) => endpoint.connect === true)) {
    findings.push(
      finding(
        'error',
        'stripe.no_connect_endpoint',
        'No enabled endpoint with connect: true points at the worker; ' +
          'connected-account events will not arrive.',
      ),
    );
  }
  if (!usable.some((endpoint) => endpoint.connect === false)) {
    findings.push(
      finding(
        'warning',
        'stripe.no_platform_endpoint',
        'No enabled platform (connect: false) endpoint points at the worker.',
      ),
    );
  }
  return findings;
}

/** Runs the Stripe checks for a worker reachable at `origin` (e.g. `https://invoices.example`). */
export async function checkStripe(options: {
  secretKey: string | null;
  apiBase: string | null;
  origin: string;
}): Promise<{ report: StripeReport | null; findings: Finding[] }> {
  if (options.secretKey === null) {
    return {
      report: null,
      findings: [
        finding(
          'error',
          'stripe.key_missing',
          'STRIPE_SECRET_KEY is not set; Stripe was not asked.',
        ),
      ],
    };
  }

  const stripe = stripeClient({
    secretKey: options.secretKey,
    apiBase: options.apiBase,
    maxNetworkRetries: 0,
    timeoutMs: 8_000,
  });
  const webhookUrl = `${options.origin}/stripe/webhook`;
  const findings: Finding[] = [];

  const [balance, listed] = await Promise.allSettled([
    stripe.balance.retrieve(),
    // Stripe allows 16 endpoints per account, so one page of 100 is all of them: one call.
    stripe.webhookEndpoints.list({ limit: MAX_ENDPOINTS }),
  ]);

  // A restricted key may lack balance access: a permission error still proves the key is valid.
  const restricted =
    balance.status === 'rejected' && balance.reason instanceof Stripe.errors.StripePermissionError;
  const keyOk = balance.status === 'fulfilled' || restricted;
  if (restricted) {
    findings.push(
      finding(
        'info',
        'stripe.key_restricted',
        'The key is valid but may not read the balance (a restricted key); that is fine.',
      ),
    );
  } else if (balance.status === 'rejected') {
    findings.push(stripeErrorFinding('stripe.key_failed', 'Checking the key', balance.reason));
  }

  const report: StripeReport = {
    key_ok: keyOk,
    webhook_url: webhookUrl,
    endpoints: [],
    other_endpoints: [],
  };

  if (listed.status === 'rejected') {
    findings.push(
      stripeErrorFinding('stripe.endpoints_failed', 'Listing webhook endpoints', listed.reason),
    );
    return { report, findings };
  }

  const data: unknown[] = Array.isArray(listed.value?.data) ? listed.value.data : [];

  for (const raw of data) {
    // Read defensively: a field missing from Stripe's answer is a finding, never a crash.
    const endpoint = (raw ?? {}) as Record<string, unknown>;
    const id = typeof endpoint.id === 'string' ? endpoint.id : '(no id)';
    const url = typeof endpoint.url === 'string' ? endpoint.url : '';

    if (normalise(url) !== webhookUrl) {
      report.other_endpoints.push({ id, url });
      continue;
    }
    report.endpoints.push({
      id,
      url,
      status: typeof endpoint.status === 'string' ? endpoint.status : 'unknown',
      connect: typeof endpoint.connect === 'boolean' ? endpoint.connect : null,
      api_version: typeof endpoint.api_version === 'string' ? endpoint.api_version : null,
      missing_events: missingEvents(
        Array.isArray(endpoint.enabled_events)
          ? endpoint.enabled_events.filter((e): e is string => typeof e === 'string')
          : [],
      ),
    });
  }

  findings.push(...report.endpoints.flatMap(endpointFindings));
  findings.push(...coverageFindings(report.endpoints, webhookUrl));
  return { report, findings };
}
