import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyAuthenticator, type AuthenticatedRequest } from './api-key-authenticator.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRED_SCOPE, type Scope } from './scopes.js';

/**
 * Global guard: every route needs a valid API key unless marked @Public(), and the scope it
 * declares with @RequireScope (a route that declares none needs admin).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false;
    this.authenticator.authenticate(request, isPublic);
    if (!isPublic) this.authenticator.authorize(request, this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPE, targets) ?? ['admin']);
    return true;
  }
}
