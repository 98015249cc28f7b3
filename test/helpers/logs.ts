import { afterEach, beforeEach, expect, vi } from 'vitest';

/**
 * Captures every console line the worker writes during a test, so tests can check what the logs
 * say; after each test it checks that no line carries a secret, a signature or a token.
 */
export function captureLogs(): { lines: string[] } {
  const captured = { lines: [] as string[] };

  beforeEach(() => {
    captured.lines = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        captured.lines.push(args.map(String).join(' '));
      });
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();

    // Whatever the test did, no log line may carry a secret, a signature or a token.
    for (const line of captured.lines) {
      expect(line).not.toMatch(/whsec_|sk_(test|live)_|rk_(test|live)_|v1=[0-9a-f]{64}/);
      expect(line).not.toMatch(/test-(api|ops)-token/);
    }
  });

  return captured;
}

/** Parses the captured JSON lines that have `msg`. */
export function entries(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return typeof parsed.msg === 'string' ? [parsed] : [];
    } catch {
      return [];
    }
  });
}
