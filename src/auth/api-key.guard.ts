import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TooManyAuthFailuresError } from '../common/domain-errors.js';
import { ApiKeyMatcher, extractApiKey } from './api-key-matcher.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { IS_PUBLIC } from './public.decorator.js';

/** Set on every request: whether the caller proved a valid key (or no key is configured). */
export const AUTHENTICATED = Symbol('authenticated');
export type AuthenticatedRequest = FastifyRequest & { [AUTHENTICATED]?: boolean };

/** Global guard: every route needs a valid API key unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  private readonly matcher: ApiKeyMatcher;
  private readonly limiter: AuthFailureLimiter;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.matcher = new ApiKeyMatcher(config.auth.apiKeys);
    this.limiter = new AuthFailureLimiter(config.auth.maxFailures, config.auth.failureWindowSeconds * 1000);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (!this.matcher.enabled) {
      request[AUTHENTICATED] = true;
      return true;
    }
    const blockedFor = this.limiter.blockedFor(request.ip);
    if (blockedFor > 0 && !isPublic) throw new TooManyAuthFailuresError(blockedFor);
    const result = blockedFor > 0 ? 'invalid' : this.matcher.check(extractApiKey(request));
    request[AUTHENTICATED] = result === 'valid';
    if (result === 'invalid' && blockedFor === 0) this.limiter.recordFailure(request.ip);
    if (result === 'valid' || isPublic) return true;
    this.logger.warn({
      msg: result === 'missing' ? 'Missing API key' : 'Invalid API key',
      ip: request.ip,
      method: request.method,
      route: request.url.split('?')[0],
    });
    if (result === 'missing') throw new UnauthorizedException({ detail: 'Missing API key' });
    throw new ForbiddenException({ detail: 'Invalid API key' });
  }
}
