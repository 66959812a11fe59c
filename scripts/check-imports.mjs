#!/usr/bin/env node
// The layering rule of STYLE.md, checked on import paths:
// - protocol/ imports nothing outside protocol/; core/ imports nothing outside core/; server/ may import both.
// - inside each layer, folders sit on floors (RANKS below) and an import may only go to the same floor or lower;
// - no import circles between files anywhere;
// - packet handlers and monitor commands do not reach through the target into the machine (.machine/.uc/.hypervisor);
// - no source file in the three layers is longer than MAX_LINES (generated files exempt): split by responsibility.
// Exits 1 listing every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LAYERS = ['protocol', 'core', 'server'];
/** layer -> layers it must not import. */
const FORBIDDEN = { protocol: ['core', 'server'], core: ['protocol', 'server'], server: [] };
/**
 * Floors inside a layer, lowest first: the longest matching path prefix gives a file its floor. A file may import
 * files on its own floor or below, never above.
 */
const RANKS = [
  ['core/unicorn/', 0],
  ['core/arch/', 1],
  ['core/mmu/', 2],
  ['core/syndrome/', 2],
  ['core/stage2/', 2],
  ['core/fdt/', 2],
  ['core/loader/', 2],
  ['core/text/', 0],
  ['core/devices/', 3],
  ['core/platform/', 3],
  ['core/el2/', 4],
  ['core/replay/', 4],
  ['core/machine/', 5],
  ['core/trace/', 6],
  ['core/', 7], // guest.ts, index.ts: the package API
  ['server/session-error.ts', 0],
  ['server/debug/', 0],
  ['server/registers/', 0],
  ['server/', 1],
  ['server/monitor/', 2],
  ['server/handlers/', 3],
  ['server/session.ts', 4],
  ['server/gdb-server.ts', 5],
  ['server/cli/', 6],
];

/** Handlers and monitor commands go through HandlerContext and DebugTarget's methods, never around them. */
const NARROW = ['server/handlers/', 'server/monitor/'];
const REACH_AROUND = /\.(machine|uc|hypervisor)\b(?!\.js')/;
const MAX_LINES = 400;
/** Generated from unicorn's headers (scripts/gen-unicorn-constants.mjs). */
const GENERATED = ['core/unicorn/constants.ts'];

function rankOf(path) {
  let best = null;
  for (const [prefix, rank] of RANKS) {
    if (path.startsWith(prefix) && (best === null || prefix.length > best[0].length)) best = [prefix, rank];
  }
  return best;
}

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const violations = [];
/** file (relative to root) -> files it imports (relative to root). */
const graph = new Map();
for (const layer of LAYERS) {
  for (const file of files(join(root, layer))) {
    const from = relative(root, file);
    const edges = [];
    const source = readFileSync(file, 'utf8');
    const lines = source.split('\n').length - 1;
    if (lines > MAX_LINES && !GENERATED.includes(from)) {
      violations.push(`${from}: ${lines} lines (at most ${MAX_LINES}: split it by responsibility)`);
    }
    if (NARROW.some((p) => from.startsWith(p))) {
      source.split('\n').forEach((line, i) => {
        if (!/^\s*(import|export)\s/.test(line) && REACH_AROUND.test(line)) {
          violations.push(`${from}:${i + 1}: reaches around the handler context ('${line.trim().slice(0, 60)}')`);
        }
      });
    }
    for (const m of source.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'/gm)) {
      const to = relative(root, resolve(dirname(file), m[1])).replace(/\.js$/, '.ts');
      edges.push(to);
      const target = to.split('/')[0];
      if (FORBIDDEN[layer].includes(target) || !LAYERS.includes(target)) {
        violations.push(`${from}: ${layer}/ must not import ${target}/ ('${m[1]}')`);
        continue;
      }
      if (target !== layer) continue;
      const [fromFloor, fromRank] = rankOf(from) ?? ['?', 0];
      const [toFloor, toRank] = rankOf(to) ?? ['?', 0];
      if (toRank > fromRank)
        violations.push(
          `${from}: imports upward from ${fromFloor} (floor ${fromRank}) to ${toFloor} (floor ${toRank}) ('${m[1]}')`,
        );
    }
    graph.set(from, edges);
  }
}

// Import circles: strongly connected components of more than one file (Tarjan).
let index = 0;
const stack = [];
const meta = new Map();
function strongConnect(v) {
  meta.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!meta.has(w)) {
      strongConnect(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).onStack) {
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
    }
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) violations.push(`import circle: ${component.sort().join(' -> ')}`);
  }
}
for (const v of graph.keys()) if (!meta.has(v)) strongConnect(v);

if (violations.length) {
  console.error(violations.join('\n'));
  process.exit(1);
}
console.log(
  `imports follow the layering rule (${graph.size} files, no upward import, no circle, none over ${MAX_LINES} lines)`,
);
