/**
 * Parses MCP_MEMORY_SQLITE_PRAGMAS. Only a fixed set of pragma names is accepted and every value
 * is checked against that pragma's grammar, because the result is interpolated into a PRAGMA
 * statement (SQLite cannot bind parameters there).
 */
export interface SqlitePragma {
  name: string;
  value: string;
}

type ValueCheck = (value: string) => string | null;

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): ValueCheck =>
  (value) => {
    if (!/^-?\d+$/.test(value)) return null;
    const n = Number(value);
    return n >= min && n <= max ? String(n) : null;
  };

const keyword =
  (...allowed: string[]): ValueCheck =>
  (value) => {
    const upper = value.toUpperCase();
    return allowed.includes(upper) ? upper : null;
  };

const KNOWN_PRAGMAS: Record<string, { check: ValueCheck; expected: string }> = {
  cache_size: { check: integer(-2_147_483_648, 2_147_483_647), expected: 'an integer (pages, or negative KiB)' },
  temp_store: { check: keyword('DEFAULT', 'FILE', 'MEMORY', '0', '1', '2'), expected: 'DEFAULT, FILE or MEMORY' },
  mmap_size: { check: integer(0), expected: 'a non-negative integer (bytes)' },
  synchronous: { check: keyword('OFF', 'NORMAL', 'FULL', 'EXTRA', '0', '1', '2', '3'), expected: 'OFF, NORMAL, FULL or EXTRA' },
  wal_autocheckpoint: { check: integer(0), expected: 'a non-negative integer (pages)' },
  journal_size_limit: { check: integer(-1), expected: 'an integer >= -1 (bytes)' },
  busy_timeout: { check: integer(0, 600_000), expected: 'milliseconds between 0 and 600000' },
  cache_spill: { check: keyword('ON', 'OFF', 'TRUE', 'FALSE', '0', '1'), expected: 'ON or OFF' },
};

export const KNOWN_PRAGMA_NAMES = Object.keys(KNOWN_PRAGMAS);

export class PragmaParseError extends Error {}

export function parseSqlitePragmas(raw: string | undefined): SqlitePragma[] {
  if (raw === undefined || raw.trim() === '') return [];
  const pragmas = new Map<string, string>();
  for (const part of raw.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new PragmaParseError(`"${item}" is not of the form name=value`);
    const name = item.slice(0, eq).trim().toLowerCase();
    const value = item.slice(eq + 1).trim();
    const known = KNOWN_PRAGMAS[name];
    if (!known) {
      throw new PragmaParseError(`unknown pragma "${name}" (allowed: ${KNOWN_PRAGMA_NAMES.join(', ')})`);
    }
    const normalized = known.check(value);
    if (normalized === null) {
      throw new PragmaParseError(`pragma ${name} has value "${value}"; expected ${known.expected}`);
    }
    pragmas.set(name, normalized);
  }
  return [...pragmas].map(([name, value]) => ({ name, value }));
}
