import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type Caller, LOCAL_CALLER } from '../spaces/space-access.js';
import { type AuthenticatedRequest, IDENTITY } from './api-key-authenticator.js';
import type { KeyIdentity } from './scopes.js';

/** The caller a key identity acts as: its label for attribution (labelled keys only) and its spaces. */
export const callerOf = (identity: KeyIdentity | undefined): Caller =>
  identity === undefined ? LOCAL_CALLER : { actor: identity.labelled ? identity.label : null, label: identity.label, spaces: identity.spaces };

/** Who the request acts as (from its key): for services, which record the actor and bound reads and writes by its spaces. */
export const RequestCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller =>
  callerOf(context.switchToHttp().getRequest<AuthenticatedRequest>()[IDENTITY]),
);
