/**
 * Before `npm run dev`: creates .dev.vars from .dev.vars.example when there is none, so a fresh
 * clone starts with working local secrets. An existing .dev.vars is never touched.
 */
import { copyFileSync, existsSync } from 'node:fs';

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars');
  console.log('Created .dev.vars from .dev.vars.example (local placeholder secrets).');
}
