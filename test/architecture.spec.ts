import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

/** Every source file under src/ with its text (unit tests beside the code included). */
function allSources(dir = 'src'): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return allSources(path);
    return path.endsWith('.ts') ? [{ path, text: readFileSync(path, 'utf8') }] : [];
  });
}

/** The capability folder of a file under src/ ("." for files directly in src/). */
const folderOf = (path: string): string => {
  const parts = relative('src', path).split('/');
  return parts.length > 1 ? parts[0]! : '.';
};

/** Import specifiers of a file: static, type-only and dynamic imports, and re-exports. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

const ALL_FILES = allSources();
/** Production source files (tests excluded). */
const FILES = ALL_FILES.filter((f) => !f.path.endsWith('.spec.ts'));

/** Lines as `wc -l` counts them. */
const lineCount = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

describe('architecture (the rules the code is organised by)', () => {
  it('reads the environment only in config/', () => {
    const offenders = FILES.filter((f) => /\bprocess\.env\b/.test(f.text) && folderOf(f.path) !== 'config').map((f) => f.path);
    assert.deepEqual(offenders, []);
  });

  it('uses the database drivers and writes SQL only in storage/', () => {
    const DRIVERS = /^(better-sqlite3|pg|pgvector|sqlite-vec)(\/.*)?$/;
    const SQL = /\b(SELECT\s+[\w*,\s().]+\s+FROM|INSERT\s+INTO|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER)|PRAGMA\s+\w+)\b/;
    const offenders = FILES.filter((f) => folderOf(f.path) !== 'storage').flatMap((f) => [
      ...importsOf(f.text)
        .filter((spec) => DRIVERS.test(spec))
        .map((spec) => `${f.path} imports ${spec}`),
      ...(SQL.test(f.text) ? [`${f.path} holds SQL`] : []),
    ]);
    assert.deepEqual(offenders, []);
  });

  it('has no dependency cycles between capability folders', () => {
    const edges = new Map<string, Map<string, string>>();
    for (const file of FILES) {
      const from = folderOf(file.path);
      for (const spec of importsOf(file.text).filter((s) => s.startsWith('.'))) {
        const to = folderOf(normalize(join(dirname(file.path), spec)));
        if (to === from) continue;
        if (!edges.has(from)) edges.set(from, new Map());
        if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, file.path);
      }
    }
    // A depth-first search reports the first cycle it meets, with a file for each step.
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const findCycle = (node: string): string[] | null => {
      state.set(node, 'open');
      path.push(node);
      for (const next of edges.get(node)?.keys() ?? []) {
        if (state.get(next) === 'open') {
          const cycle = [...path.slice(path.indexOf(next)), next];
          return cycle.slice(1).map((to, i) => `${cycle[i]} -> ${to} (${edges.get(cycle[i]!)!.get(to)})`);
        }
        if (state.get(next) === undefined) {
          const found = findCycle(next);
          if (found) return found;
        }
      }
      path.pop();
      state.set(node, 'done');
      return null;
    };
    for (const node of edges.keys()) {
      if (state.get(node) !== undefined) continue;
      const cycle = findCycle(node);
      assert.equal(cycle, null, `folder cycle: ${cycle?.join('; ')}`);
    }
  });

  it('keeps controllers thin: no controller talks to storage directly', () => {
    const offenders = FILES.filter((f) => f.path.endsWith('.controller.ts')).flatMap((f) =>
      importsOf(f.text)
        .filter((spec) => /\/storage\//.test(spec) && !/memory\.js$|change-log\.js$/.test(spec))
        .map((spec) => `${f.path} imports ${spec}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('starts and stops the process only in cli/ (signals, exit), the log file SIGHUP aside', () => {
    const PROCESS_CONTROL = /\bprocess\.(exit|once|on)\s*\(/;
    const offenders = FILES.filter((f) => folderOf(f.path) !== 'cli' && f.path !== 'src/common/logger.ts' && PROCESS_CONTROL.test(f.text)).map((f) => f.path);
    assert.deepEqual(offenders, []);
  });

  it('wires modules explicitly: a module exports its own providers, never another module', () => {
    const offenders = FILES.filter((f) => f.path.endsWith('.module.ts')).flatMap((f) =>
      [...f.text.matchAll(/exports:\s*\[([^\]]*)\]/g)].flatMap((m) => (/\w+Module\b/.test(m[1]!) ? [`${f.path} re-exports ${m[1]!.trim()}`] : [])),
    );
    assert.deepEqual(offenders, []);
  });

  it('reaches into a storage backend folder (storage/<folder>/) only from storage/ and cli/', () => {
    const offenders = FILES.filter((f) => !['storage', 'cli'].includes(folderOf(f.path))).flatMap((f) =>
      importsOf(f.text)
        .filter((spec) => spec.startsWith('.') && /^src\/storage\/[^/]+\/.+/.test(normalize(join(dirname(f.path), spec))))
        .map((spec) => `${f.path} imports ${spec}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('keeps files and classes small: no src file over 500 lines, no class over 300', () => {
    const offenders = ALL_FILES.flatMap((f) => {
      const found: string[] = [];
      if (lineCount(f.text) > 500) found.push(`${f.path}: ${lineCount(f.text)} lines`);
      const source = ts.createSourceFile(f.path, f.text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
          const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          if (lines > 300) found.push(`${f.path}: class ${node.name?.text ?? '(anonymous)'} ${lines} lines`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      return found;
    });
    assert.deepEqual(offenders, []);
  });

  it('builds no HTTP part into the stdio MCP server (no controllers, no /mcp sessions)', () => {
    const stdio = FILES.find((f) => f.path === 'src/mcp/stdio-app.module.ts')!;
    const tools = FILES.find((f) => f.path === 'src/mcp/mcp-tools.module.ts')!;
    assert.doesNotMatch(stdio.text + tools.text, /McpModule\b|McpSessionsService|controllers:/);
  });
});
