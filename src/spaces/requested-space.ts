import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidInputError } from '../common/domain-errors.js';

/** The header that names a request's space (beside `space` or upstream's `store` in the body or query). */
export const SPACE_HEADER = 'x-memory-space';

/** The X-Memory-Space header, when sent. */
export const SpaceHeader = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const value = context.switchToHttp().getRequest<FastifyRequest>().headers[SPACE_HEADER];
  return typeof value === 'string' ? value.trim() : undefined;
});

/**
 * The one space a request names, from any of its places (`space`, upstream's `store`, the
 * header): null when none does; places that disagree are a 400, never a silent choice.
 */
export function requestedSpace(...given: (string | null | undefined)[]): string | null {
  const named = [...new Set(given.filter((value): value is string => typeof value === 'string' && value.trim() !== '').map((value) => value.trim()))];
  if (named.length > 1) throw InvalidInputError.field('space', `the request names different spaces (${named.slice(0, 3).join(', ')}): give one`);
  return named[0] ?? null;
}
