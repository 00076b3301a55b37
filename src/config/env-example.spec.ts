import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './app-config.js';
import { loadBridgeConfig, loadDiscoveryConfig } from './bridge-config.js';

const CONFIG_DIR = 'src/config';
const EXAMPLE = 'config/.env.example';

/** Every variable the configuration readers name (string literals and env.NAME accesses in src/config). */
function variablesRead(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(CONFIG_DIR).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))) {
    const text = readFileSync(join(CONFIG_DIR, file), 'utf8');
    for (const match of text.matchAll(/['"`]((?:MCP|LOG)_[A-Z0-9_]+)['"`]|\benv\.((?:MCP|LOG)_[A-Z0-9_]+)/g)) names.add(match[1] ?? match[2]!);
  }
  return names;
}

/** The example's variables: `NAME=value` (a default, in force) or `# NAME=value` (unset by default; an example value). */
function exampleEntries(): { name: string; value: string; commented: boolean }[] {
  return readFileSync(EXAMPLE, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const match = /^(#\s*)?((?:MCP|LOG)_[A-Z0-9_]+)=(.*)$/.exec(line);
      return match ? [{ name: match[2]!, value: match[3]!, commented: match[1] !== undefined }] : [];
    });
}

/** Everything the process reads from its environment, as the server and the clients see it. */
const everything = (env: Record<string, string>) => ({ server: loadConfig(env), bridge: loadBridgeConfig(env), discovery: loadDiscoveryConfig(env) });

describe('config/.env.example', () => {
  it('lists every variable the configuration reads', () => {
    const listed = new Set(exampleEntries().map((entry) => entry.name));
    const missing = [...variablesRead()].filter((name) => !listed.has(name)).sort();
    assert.deepEqual(missing, [], `add these to ${EXAMPLE} with their default`);
  });

  it('lists no variable that nothing reads', () => {
    const read = variablesRead();
    assert.deepEqual(exampleEntries().filter((entry) => !read.has(entry.name)), []);
  });

  it('shows each default as the default: setting it changes nothing', () => {
    const defaults = everything({});
    for (const { name, value } of exampleEntries().filter((entry) => !entry.commented)) {
      assert.deepEqual(everything({ [name]: value }), defaults, `${name}=${value} in ${EXAMPLE} is not the default`);
    }
  });
});
