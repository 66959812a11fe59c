#!/usr/bin/env node
// The layering rule of STYLE.md, checked on import paths: protocol/ and core/ never import each other or
// anything above them; only server/ speaks RSP; nothing below cli/ imports cli/. Exits 1 listing violations.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
/** layer -> layers it must not import. */
const FORBIDDEN = {
  protocol: ['core', 'server', 'cli', 'debug', 'inspect', 'trace', 'api'],
  core: ['protocol', 'server', 'cli', 'debug', 'inspect', 'trace', 'api'],
  inspect: ['protocol', 'server', 'cli', 'trace', 'api'],
  debug: ['protocol', 'server', 'cli', 'api'],
  trace: ['protocol', 'server', 'cli', 'debug', 'inspect', 'api'],
  api: ['protocol', 'server', 'cli'],
  server: ['cli', 'api'],
};

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const violations = [];
for (const file of files(src)) {
  const layer = relative(src, file).split('/')[0];
  const banned = FORBIDDEN[layer] ?? [];
  for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)) {
    const target = relative(src, resolve(dirname(file), m[1])).split('/')[0];
    if (banned.includes(target)) violations.push(`${relative(root, file)}: ${layer}/ must not import ${target}/ ('${m[1]}')`);
  }
}
if (violations.length) {
  console.error(violations.join('\n'));
  process.exit(1);
}
console.log('imports follow the layering rule');
