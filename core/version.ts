// el2dbg's version, read once from its package.json so it is written in one place.
import { readFileSync } from 'node:fs';
import { projectRoot } from './unicorn/library.js';

/** The version in package.json (shown by --version, written into trace headers). */
export const EL2DBG_VERSION: string = (
  JSON.parse(readFileSync(`${projectRoot()}/package.json`, 'utf8')) as { version: string }
).version;
