import type { Handler } from 'hono';
import type { AppEnv } from '../env.ts';
import { errorBody } from './errors.ts';

/**
 * The answer for a known path asked with another method: 405 with `Allow`, rather than the 404
 * that would suggest the path does not exist. Register it with `.all()` after the real routes.
 */
export function methodNotAllowed(...allowed: string[]): Handler<AppEnv> {
  return (c) => {
    c.header('Allow', allowed.join(', '));
    return c.json(errorBody('method_not_allowed', `Use ${allowed.join(' or ')}.`), 405);
  };
}
