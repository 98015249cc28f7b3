/**
 * Verifies a Stripe webhook delivery against every configured signing secret.
 *
 * The SDK's `constructEventAsync` checks the HMAC (any `v1` value in the header may match) and
 * bounds the timestamp's age; it does not bound the future, so a header dated ahead of our clock
 * by more than the tolerance is rejected here first. Each secret is tried in turn (platform, then
 * Connect; current, then older; the one that matched last in this isolate first), which is what
 * lets a rolled secret and its successor both work.
 */
import Stripe from 'stripe';
import { secretLabel, type SigningSecret } from '../lib/config.ts';

const cryptoProvider = Stripe.createSubtleCryptoProvider();

export type VerifyFailure =
  | 'missing_header'
  | 'malformed_header'
  | 'timestamp_in_future'
  | 'timestamp_too_old'
  | 'no_matching_signature'
  | 'not_json';

// The label of the secret that verified the last delivery in this isolate. It is tried first
// next time: a platform's traffic is mostly Connect events, and each miss costs one more HMAC.
let lastMatched: string | null = null;

/** The secrets in the order to try them: the last one that matched first, then the rest. */
function tryOrder(secrets: SigningSecret[]): SigningSecret[] {
  const index = secrets.findIndex((secret) => secretLabel(secret) === lastMatched);
  if (index <= 0) return secrets;
  return [secrets[index]!, ...secrets.slice(0, index), ...secrets.slice(index + 1)];
}

export type VerifyResult =
  { ok: true; payload: unknown; secret: string } | { ok: false; reason: VerifyFailure };

/** Reads the single `t=` value of a Stripe-Signature header, or null if absent or repeated. */
export function headerTimestamp(header: string): number | null {
  const stamps = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('t='))
    .map((part) => part.slice(2));

  if (stamps.length !== 1 || !/^\d{1,12}$/.test(stamps[0] ?? '')) return null;
  return Number(stamps[0]);
}

/**
 * Checks `body` against `header` with each secret. On success returns the parsed JSON and the
 * label of the secret that matched; on failure, a reason for the log (never for the caller).
 */
export async function verifySignature(
  body: string,
  header: string | undefined,
  secrets: SigningSecret[],
  toleranceSeconds: number,
  nowMs: number,
): Promise<VerifyResult> {
  if (!header) return { ok: false, reason: 'missing_header' };

  const timestamp = headerTimestamp(header);
  if (timestamp === null) return { ok: false, reason: 'malformed_header' };
  if (timestamp - Math.floor(nowMs / 1000) > toleranceSeconds) {
    return { ok: false, reason: 'timestamp_in_future' };
  }

  let reason: VerifyFailure = 'no_matching_signature';

  for (const secret of tryOrder(secrets)) {
    try {
      const payload: unknown = await Stripe.webhooks.constructEventAsync(
        body,
        header,
        secret.value,
        toleranceSeconds,
        cryptoProvider,
        nowMs,
      );
      lastMatched = secretLabel(secret);
      return { ok: true, payload, secret: lastMatched };
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeSignatureVerificationError)) {
        // The HMAC matched and the timestamp was fresh; only parsing the body failed.
        return { ok: false, reason: 'not_json' };
      }
      // The SDK checks the HMAC before the age, so this message means this secret matched.
      if (err.message.startsWith('Timestamp outside')) reason = 'timestamp_too_old';
    }
  }

  return { ok: false, reason };
}
