import { resolve } from 'node:path';
import { ConfigError, type Env, read, readChoice } from './env-readers.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Python's level names (the guide's `LOG_LEVEL=WARNING`, `CRITICAL`) mean the same here. */
const PYTHON_NAMES: Readonly<Record<string, LogLevel>> = { warning: 'warn', critical: 'fatal', notset: 'trace' };

/** LOG_LEVEL in any case (`DEBUG`, `debug`), with Python's names accepted too. */
export function readLogLevel(env: Env): LogLevel {
  const given = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  const level = PYTHON_NAMES[given] ?? given;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (any case), got "${given}"`);
  }
  return level as LogLevel;
}

/** MCP_LOG_FILE: a file the logs are appended to as well (reopened on SIGHUP, for logrotate). */
export function readLogFile(env: Env): string | null {
  const file = read(env, 'MCP_LOG_FILE');
  return file === undefined ? null : resolve(file);
}

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** MCP_LOG_FORMAT: `auto` (readable on a terminal, JSON lines otherwise), `json` or `pretty`. */
export function readLogFormat(env: Env): LogFormat {
  return readChoice(env, 'MCP_LOG_FORMAT', LOG_FORMATS, 'auto');
}
