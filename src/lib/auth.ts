/**
 * Bearer-token guards for the API and ops routes.
 *
 * Tokens are compared with Hono's `timingSafeEqual` (both sides hashed, then compared in constant
 * time). A missing, malformed or wrong token answers 401 alike, so the answer says nothing about
 * which part was wrong. A route whose token is not configured answers 503: never open by accident.
 */
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { AppEnv } from '../env.ts';
import type { Config } from './config.ts';
import { errorBody } from './errors.ts';
import { log } from './log.ts';

type TokenName = 'API_TOKEN' | 'OPS_TOKEN';

// The scheme is case-insensitive (RFC 9110); the token is visible ASCII.
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

const pick = (config: Config, name: TokenName) =>
  name === 'API_TOKEN' ? config.apiToken : config.opsToken;

/** Requires `Authorization: Bearer <token>` matching the configured `name`. */
export function requireToken(name: TokenName): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = pick(c.get('config'), name);

    if (expected === null) {
      log.error('auth.not_configured', { variable: name, path: c.req.path });
      return c.json(errorBody('not_configured', 'This endpoint is not configured.'), 503);
    }

    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];

    if (presented === undefined || !(await timingSafeEqual(presented, expected))) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(errorBody('unauthorized', 'A valid bearer token is required.'), 401);
    }

    await next();
  };
}
