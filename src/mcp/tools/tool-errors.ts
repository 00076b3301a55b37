import { Logger } from '@nestjs/common';
import { toHttpError } from '../../common/http-error.mapper.js';
import { RemoteCallError } from '../bridge/rest-client.js';

/** Arguments that make sense to the schema but not to the tool (a filter missing, a bad date). */
export class ToolInputError extends Error {}

const logger = new Logger('MCP');

/**
 * A tool's error text. The remote server's answer (bridge) and bad arguments are said as they are;
 * everything else goes through REST's error policy, so a tool says what the same REST call's
 * `detail` would, and an unanticipated error is logged here and reported without its message.
 */
export function toolErrorMessage(error: unknown): string {
  if (error instanceof RemoteCallError || error instanceof ToolInputError) return error.message;
  const { body, internal } = toHttpError(error);
  if (internal) logger.error({ msg: 'A tool failed', err: error });
  return typeof body.error === 'string' ? `${body.detail}: ${body.error}` : body.detail;
}
