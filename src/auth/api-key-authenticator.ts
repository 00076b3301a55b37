import { ForbiddenException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TooManyAuthFailuresError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiKeyMatcher, presentedApiKeys } from './api-key-matcher.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';

/** Set on every request once checked: whether the caller proved a valid key (or no key is configured). */
export const AUTHENTICATED = Symbol('authenticated');
export type AuthenticatedRequest = FastifyRequest & { [AUTHENTICATED]?: boolean };

/**
 * The one API-key check, used by the global guard and by the hook that refuses bodies from
 * unauthenticated clients before they are read. A valid key always passes; wrong keys are counted
 * per client address and, past the limit, answered 429 instead of 403.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger('Auth');
  private readonly matcher: ApiKeyMatcher;
  private readonly limiter: AuthFailureLimiter;
  /** Refused requests since start, by reason (for the metrics; never the key). */
  readonly failures = { missing_key: 0, invalid_key: 0, rate_limited: 0 };

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.matcher = new ApiKeyMatcher(config.auth.apiKeys);
    this.limiter = new AuthFailureLimiter(config.auth.maxFailures, config.auth.failureWindowSeconds * 1000);
  }

  get enabled(): boolean {
    return this.matcher.enabled;
  }

  /**
   * Records on the request whether it carries a valid key. For a route that needs one, a missing
   * key throws 401, a wrong one 403 (429 once the address has sent too many).
   */
  authenticate(request: AuthenticatedRequest, isPublic: boolean): void {
    if (request[AUTHENTICATED] !== undefined) return;
    if (!this.matcher.enabled) {
      request[AUTHENTICATED] = true;
      return;
    }
    const result = this.matcher.check(presentedApiKeys(request));
    request[AUTHENTICATED] = result === 'valid';
    // The decision, never the key: which route, from where, and whether a valid key came with it.
    this.logger.debug({ msg: 'Auth decision', key: result, public: isPublic, ip: request.ip, method: request.method, route: request.url.split('?')[0] });
    if (result === 'valid') return;
    const blockedFor = result === 'invalid' ? this.limiter.blockedFor(request.ip) : 0;
    if (result === 'invalid' && blockedFor === 0) this.limiter.recordFailure(request.ip);
    if (isPublic) return;
    if (blockedFor > 0) {
      this.failures.rate_limited += 1;
      throw new TooManyAuthFailuresError(blockedFor);
    }
    this.failures[result === 'missing' ? 'missing_key' : 'invalid_key'] += 1;
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
