import type { TestProject } from 'vitest/node';
import { startStandIn } from './server.ts';

/** Starts the Stripe stand-in once for the whole run, on the port vitest.config.ts chose. */
export default async function setup(_project: TestProject) {
  const port = Number(process.env.STRIPE_STAND_IN_PORT);
  const server = await startStandIn(port);

  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
