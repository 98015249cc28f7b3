/**
 * Findings: the named, one-line facts the ops check reports.
 *
 * An `error` makes the check unhealthy (503); a `warning` is worth a look but does not; `info`
 * records something an operator may want to know (such as a rolled secret no longer in use).
 */

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable dotted name that monitors and `npm run check` key on: `config.secret_missing`. */
  code: string;
  severity: Severity;
  /** One readable sentence; never a secret value or anything a caller sent. */
  message: string;
  /** Identifiers and figures that go with the finding. */
  details?: Record<string, unknown>;
}

/** Builds a finding; `details` is left out when empty so answers stay short. */
export function finding(
  severity: Severity,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): Finding {
  return details === undefined ? { code, severity, message } : { code, severity, message, details };
}

/** Whether any finding makes the whole check unhealthy. */
export const isUnhealthy = (findings: readonly Finding[]): boolean =>
  findings.some((item) => item.severity === 'error');
