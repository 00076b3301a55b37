import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type AuthenticatedRequest, IDENTITY } from './api-key-authenticator.js';

/** The label of the labelled (keys-file) key a request came with, for stored_by; null otherwise. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string | null => {
  const identity = context.switchToHttp().getRequest<AuthenticatedRequest>()[IDENTITY];
  return identity?.labelled === true ? identity.label : null;
});
