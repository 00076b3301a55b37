import { Logger } from '@nestjs/common';
import { DomainError, InvalidInputError } from '../../common/domain-errors.js';
import { RemoteCallError } from '../bridge/rest-client.js';

/** Arguments that make sense to the schema but not to the tool (a filter missing, a bad date). */
export class ToolInputError extends Error {}

const logger = new Logger('MCP');

/**
 * The one error policy for tools, the same as REST's: what the caller can act on is said (domain
 * errors, the remote server's answer, bad arguments); anything else is logged here and reported
 * as an internal error without its message.
 */
export function toolErrorMessage(error: unknown): string {
  if (error instanceof InvalidInputError) return `Invalid request: ${error.message}`;
  if (error instanceof DomainError || error instanceof RemoteCallError || error instanceof ToolInputError) return error.message;
  logger.error({ msg: 'A tool failed', err: error });
  return 'Internal error; the server log has the details';
}
