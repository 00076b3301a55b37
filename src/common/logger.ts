import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/app-config.js';

export interface LogSettings {
  readonly logLevel: LogLevel;
  /** Also append the logs to this file (reopened on SIGHUP, for logrotate); null = console only. */
  readonly logFile: string | null;
}

/**
 * Structured JSON logs on `console` (stdout for the server, stderr for stdio MCP), and appended to
 * the log file when one is set. Request logs never carry query strings or headers (they can hold keys).
 */
export function createLogger({ logLevel, logFile }: LogSettings, console: DestinationStream = pino.destination(1)): Logger {
  const options = {
    level: logLevel,
    base: { service: 'mcp-memory-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.apiKey', '*.api_key'], censor: '[redacted]' },
  };
  if (logFile === null || logLevel === 'silent') return pino(options, console);
  const file = pino.destination({ dest: logFile, append: true, mkdir: true, sync: true, mode: 0o600 });
  // logrotate moves the file away and sends SIGHUP: new lines then go to a new file at the same path.
  process.on('SIGHUP', () => file.reopen());
  return pino(
    options,
    pino.multistream([
      { level: logLevel, stream: console },
      { level: logLevel, stream: file },
    ]),
  );
}

/** Routes Nest's own log calls (start-up, module errors) into the same pino stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const stack = params.find((p): p is string => typeof p === 'string' && p.includes('\n    at '));
    const fields = { ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
