// The VS Code files in examples/vscode/, read the way VS Code reads them (JSON with comments, ${workspaceFolder}
// substituted), so the tests drive the configurations a user copies rather than a copy of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../core/unicorn/library.js';

/** The address the example configurations use: el2dbg serve's default. Tests replace it by their server's. */
export const EXAMPLE_ADDRESS = '127.0.0.1:1234';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** JSON text without its // and block comments (strings, including ones holding //, are left alone). */
export function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 1;
    } else out += c;
  }
  return out;
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  throw new Error('unterminated string');
}

/** An examples/vscode file as VS Code sees it. */
export function readVscodeFile(name: 'launch.json' | 'tasks.json'): JsonObject {
  return JSON.parse(stripJsonComments(readFileSync(join(projectRoot(), 'examples/vscode', name), 'utf8')));
}

/** Every string in `value` with ${workspaceFolder} replaced by the project folder, the example address by `address`. */
export function substitute(value: JsonValue, address: string): JsonValue {
  if (typeof value === 'string')
    return value.replaceAll('${workspaceFolder}', projectRoot()).replaceAll(EXAMPLE_ADDRESS, address);
  if (Array.isArray(value)) return value.map((v) => substitute(v, address));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, address)]));
  return value;
}

/** The launch configuration named `name` in examples/vscode/launch.json, substituted as VS Code would. */
export function launchConfiguration(name: string, address = EXAMPLE_ADDRESS): JsonObject {
  const configurations = readVscodeFile('launch.json').configurations as JsonObject[];
  const found = configurations.find((c) => c.name === name);
  if (!found) throw new Error(`examples/vscode/launch.json has no configuration named ${JSON.stringify(name)}`);
  return substitute(found, address) as JsonObject;
}
