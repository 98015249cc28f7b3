/**
 * Verifies a Stripe webhook delivery against every configured signing secret.
 *
 * The SDK's `constructEventAsync` checks the HMAC (any `v1` value in the header may match) and
 * bounds the timestamp's age; it does not bound the future, so a header dated ahead of our clock
 * by more than the tolerance is rejected here first. Each secret is tried in turn (platform, then
 * Connect; current, then older), which is what lets a rolled secret and its successor both work.
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

  for (const secret of secrets) {
    try {
      const payload: unknown = await Stripe.webhooks.constructEventAsync(
        body,
        header,
        secret.value,
        toleranceSeconds,
        cryptoProvider,
        nowMs,
      );
      return { ok: true, payload, secret: secretLabel(secret) };
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
