import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { toHttpError } from './http-error.mapper.js';

/** The one exception filter: every error leaving a route becomes {detail, ...} with its status. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendHttpError(reply, exception, this.logger);
  }
}

export function sendHttpError(reply: FastifyReply, exception: unknown, logger: Logger): void {
  const { status, body, headers } = toHttpError(exception);
  if (status >= 500) logger.error({ err: exception, status }, 'request failed');
  if (reply.sent) return;
  void reply.status(status).headers(headers).send(body);
}
