/**
 * The Stripe API client the worker uses for outbound calls (reconcile, send, ops checks).
 *
 * The SDK's fetch HTTP client is the one that works on Workers. `STRIPE_API_BASE` may point it at
 * another host, such as stripe-mock or the tests' local stand-in; in production it is unset and
 * the SDK talks to api.stripe.com. The API version is the SDK's own pinned version.
 */
import Stripe from 'stripe';

export interface StripeClientOptions {
  secretKey: string;
  apiBase: string | null;
  /** Retries inside one call. Callers that retry on their own schedule (cron) pass 0. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

/** Host, port and protocol for the SDK from a base URL such as `http://127.0.0.1:12111`. */
export function apiBaseOptions(apiBase: string | null) {
  if (apiBase === null) return {};

  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? ('http' as const) : ('https' as const);
  const port = url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port);

  return { host: url.hostname, port, protocol };
}

/** A Stripe client for one request or run. Cheap: it opens nothing until a call is made. */
export function stripeClient(options: StripeClientOptions): Stripe {
  return new Stripe(options.secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    timeout: options.timeoutMs ?? 10_000,
    telemetry: false,
    ...apiBaseOptions(options.apiBase),
  });
}
