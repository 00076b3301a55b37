import type { LoggerService } from '@nestjs/common';
import { isatty } from 'node:tty';
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/log-level.js';

export interface LogSettings {
  readonly logLevel: LogLevel;
  /** Also append the logs to this file (JSON lines; reopened on SIGHUP, for logrotate); null = console only. */
  readonly logFile: string | null;
  /** `auto`: readable lines on a terminal, JSON lines otherwise. */
  readonly logFormat?: LogFormat;
}

/** The console: a file descriptor (1 for the server, 2 for stdio MCP) or a stream given by a test. */
type Console = 1 | 2 | DestinationStream;

function consoleStream(console: Console, format: LogFormat): DestinationStream {
  if (typeof console !== 'number') return console;
  const terminal = isatty(console);
  if (format === 'pretty' || (format === 'auto' && terminal)) {
    return pretty({ destination: console, sync: true, colorize: terminal, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true });
  }
  return pino.destination(console);
}

/**
 * Logs on the console (stdout for the server, stderr for stdio MCP) as JSON lines, or readable
 * lines on a terminal, and appended to the log file as JSON lines when one is set. Request logs
 * never carry query strings or headers (they can hold keys).
 */
export function createLogger({ logLevel, logFile, logFormat = 'auto' }: LogSettings, console: Console = 1): Logger {
  const options = {
    level: logLevel,
    base: { service: 'mcp-memory-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.apiKey', '*.api_key'], censor: '[redacted]' },
  };
  const out = consoleStream(console, logFormat);
  if (logFile === null || logLevel === 'silent') return pino(options, out);
  const file = pino.destination({ dest: logFile, append: true, mkdir: true, sync: true, mode: 0o600 });
  // logrotate moves the file away and sends SIGHUP: new lines then go to a new file at the same path.
  process.on('SIGHUP', () => file.reopen());
  return pino(
    options,
    pino.multistream([
      { level: logLevel, stream: out },
      { level: logLevel, stream: file },
    ]),
  );
}

/** Nest's start-up chatter (modules initialized, every route mapped): details for debug, not the console. */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

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

  private write(given: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const level = given === 'info' && context !== undefined && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : given;
    const stack = params.find((p): p is string => typeof p === 'string' && p.includes('\n    at '));
    const fields = { ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
