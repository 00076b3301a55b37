import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The `X-Agent-ID` header, if sent (the first one when repeated). A parameter decorator of its own
 * so the OpenAPI document lists the header once, as optional (`@ApiHeader` on the route).
 */
export const AgentId = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const value = context.switchToHttp().getRequest<FastifyRequest>().headers['x-agent-id'];
  return Array.isArray(value) ? value[0] : value;
});
