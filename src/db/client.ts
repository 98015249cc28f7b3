import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import * as schema from './schema.ts';

export type Database = DrizzleD1Database<typeof schema>;

/** A Drizzle handle on the worker's D1 binding. Cheap: it holds no connection of its own. */
export const database = (d1: D1Database): Database => drizzle(d1, { schema });
