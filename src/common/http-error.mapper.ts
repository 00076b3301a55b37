import { HttpException, HttpStatus } from '@nestjs/common';
import {
  BackupFailedError,
  BackupNotFoundError,
  BackupsUnsupportedError,
  ConflictError,
  BackupVerificationError,
  EmbeddingUnavailableError,
  type FieldError,
  InvalidAccessTokenError,
  InvalidInputError,
  MemoryNotFoundError,
  NotOfferedError,
  NotFoundError,
  RequestRefusedError,
  SpaceForbiddenError,
  StorageBusyError,
  StorageFullError,
  StorageUnavailableError,
  TooManyAuthFailuresError,
  UnhealthyError,
} from './domain-errors.js';

export interface HttpErrorBody {
  detail: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

export interface HttpError {
  status: number;
  body: HttpErrorBody;
  headers: Record<string, string>;
  /** An error nobody anticipated: its message is withheld from the caller and belongs in the log. */
  internal: boolean;
}

/** What callers are told about an error nobody anticipated (REST, MCP tools and health alike). */
export const INTERNAL_ERROR_DETAIL = 'Internal server error; the server log has the details';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
}

const FASTIFY_MESSAGES: Record<string, { status: number; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, detail: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, detail: 'Unsupported Content-Type; send the body as application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, detail: 'The request body is empty; send a JSON object' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, detail: 'Content-Length does not match the body' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, detail: 'A path segment of the URL is too long' },
  FST_ERR_BAD_URL: { status: 400, detail: 'The URL is not valid (bad percent-encoding)' },
  // @fastify/multipart (document uploads).
  FST_REQ_FILE_TOO_LARGE: { status: 413, detail: 'A file is larger than the largest document (twice MCP_MEMORY_MAX_CONTENT_BYTES)' },
  FST_FILES_LIMIT: { status: 413, detail: 'Too many files in one upload (at most 10)' },
  FST_PARTS_LIMIT: { status: 413, detail: 'Too many parts in the form' },
  FST_FIELDS_LIMIT: { status: 413, detail: 'Too many fields in the form' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, detail: 'Send the document as multipart/form-data' },
};

/**
 * Answers for errors Node's HTTP parser reports before any route runs (raw socket writes, in the
 * same {detail} shape as every other error).
 */
export function clientErrorResponse(code: string | undefined): string | null {
  const [status, reason, detail] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request line or headers are too large (16 KiB at most)']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request took too long to arrive']
        : [400, 'Bad Request', 'The request is not valid HTTP'];
  const body = JSON.stringify({ detail });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`;
}

const plain = (status: number, detail: string, headers: Record<string, string> = {}): HttpError => ({
  status,
  body: { detail },
  headers,
  internal: false,
});

/**
 * The single error policy: every thrown error becomes a status and a {detail} body. REST routes,
 * MCP tools and the health probe all go through it, so a caller is told the same thing whichever
 * way it came in, and an unanticipated error's message never leaves the server.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof InvalidInputError) {
    return { status: 400, body: { detail: `Invalid request: ${error.message}`, errors: error.errors }, headers: {}, internal: false };
  }
  if (error instanceof UnhealthyError) {
    return {
      status: 503,
      body: { status: 'unhealthy', detail: 'Database unavailable', error: error.reason },
      headers: { 'retry-after': '5' },
      internal: false,
    };
  }
  if (error instanceof MemoryNotFoundError) return plain(404, `Memory not found: ${error.contentHash}`);
  if (error instanceof RequestRefusedError) {
    return plain(error.status, error.message, error.retryAfterSeconds === null ? {} : { 'retry-after': String(error.retryAfterSeconds) });
  }
  if (error instanceof BackupNotFoundError || error instanceof NotFoundError) return plain(404, error.message);
  if (error instanceof SpaceForbiddenError) return plain(403, error.message);
  if (error instanceof InvalidAccessTokenError) {
    return plain(401, error.message, { 'www-authenticate': `Bearer error="invalid_token", error_description="${error.message.replaceAll('"', "'")}"` });
  }
  if (error instanceof BackupsUnsupportedError || error instanceof ConflictError) return plain(409, error.message);
  if (error instanceof NotOfferedError) return plain(501, error.message);
  if (error instanceof TooManyAuthFailuresError) return plain(429, error.message, { 'retry-after': String(error.retryAfterSeconds) });
  if (error instanceof BackupVerificationError) return plain(422, error.message);
  if (error instanceof BackupFailedError) return plain(500, error.message);
  if (error instanceof StorageBusyError) return plain(503, error.message, { 'retry-after': '1' });
  if (error instanceof StorageFullError) return plain(507, error.message);
  if (error instanceof StorageUnavailableError || error instanceof EmbeddingUnavailableError) {
    return plain(503, error.message, { 'retry-after': '5' });
  }
  // Nest wraps Fastify's own 4xx errors (body parsing, content type) in an HttpException.
  const cause = error instanceof HttpException ? (error.cause as FastifyLikeError | undefined) : undefined;
  const fastifyKnown = cause?.code ? FASTIFY_MESSAGES[cause.code] : undefined;
  if (fastifyKnown) return plain(fastifyKnown.status, fastifyKnown.detail);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const body =
      typeof response === 'object' && response !== null && 'detail' in response
        ? (response as HttpErrorBody)
        : // Router messages echo the URL ("Cannot GET /x?api_key=..."): never echo a query string.
          { detail: error.message.replace(/\?\S*/, '') };
    return { status, body, headers: status === HttpStatus.UNAUTHORIZED ? { 'www-authenticate': 'Bearer' } : {}, internal: false };
  }
  const fastifyError = error as FastifyLikeError;
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const known = fastifyError.code ? FASTIFY_MESSAGES[fastifyError.code] : undefined;
    if (known) return plain(known.status, known.detail);
    if (error instanceof SyntaxError) return plain(400, `Malformed JSON body: ${fastifyError.message}`);
    return plain(fastifyError.statusCode, fastifyError.message);
  }
  return { ...plain(500, INTERNAL_ERROR_DETAIL), internal: true };
}
