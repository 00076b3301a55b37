import { ForbiddenException, Inject, Injectable, Logger, type OnModuleDestroy, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { unwatchFile, watchFile } from 'node:fs';
import { TooManyAuthFailuresError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiKeyMatcher, digestOf, type KnownKey, presentedApiKeys } from './api-key-matcher.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { readKeysFile } from './keys-file.js';
import { FULL_ACCESS, type KeyIdentity, type Scope } from './scopes.js';
import { EVERY_SPACE, spaceAccessOf } from '../spaces/space-access.js';

/** Set on every request once checked: whether the caller proved a valid key (or no key is configured). */
export const AUTHENTICATED = Symbol('authenticated');
/** Set with AUTHENTICATED when it is true: who the request acts as. */
export const IDENTITY = Symbol('identity');
export type AuthenticatedRequest = FastifyRequest & { [AUTHENTICATED]?: boolean; [IDENTITY]?: KeyIdentity };

export interface KeyStatistics {
  label: string;
  scopes: Scope[];
  source: 'MCP_API_KEY' | 'keys_file';
  expires_at: string | null;
  expired: boolean;
  /** Authenticated requests since the server started. */
  requests: number;
  last_used_at: string | null;
  /** The spaces it is bound to; null: every space. */
  spaces: { write: string[]; read: string[]; default_space: string } | null;
}

const ANONYMOUS: KeyIdentity = { label: 'anonymous', scopes: FULL_ACCESS, labelled: false, spaces: EVERY_SPACE };
const MCP_API_KEY: KeyIdentity = { label: 'MCP_API_KEY', scopes: FULL_ACCESS, labelled: false, spaces: EVERY_SPACE };

/**
 * The one API-key check, used by the global guard and by the hook that refuses bodies from
 * unauthenticated clients before they are read. Keys come from MCP_API_KEY (every scope) and
 * MCP_API_KEYS_FILE (labelled, scoped, maybe expiring; re-read when the file changes or on
 * SIGHUP). Wrong keys are counted per client address and, past the limit, answered 429.
 */
@Injectable()
export class ApiKeyAuthenticator implements OnModuleDestroy {
  private readonly logger = new Logger('Auth');
  private matcher: ApiKeyMatcher;
  private readonly limiter: AuthFailureLimiter;
  /** Requests per key label since start, and when each was last used (for GET /api/admin/keys). */
  private readonly usage = new Map<string, { requests: number; lastUsedAt: number }>();
  /** Refused requests since start, by reason (for the metrics; never the key). */
  readonly failures = { missing_key: 0, invalid_key: 0, expired_key: 0, insufficient_scope: 0, rate_limited: 0, invalid_oauth_token: 0 };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.limiter = new AuthFailureLimiter(config.auth.maxFailures, config.auth.failureWindowSeconds * 1000);
    // A bad keys file stops start-up (the error names the entry); later, a bad edit keeps the last good keys.
    this.matcher = new ApiKeyMatcher(this.knownKeys());
    const file = config.auth.keysFile;
    if (file !== null) watchFile(file, { interval: 1000, persistent: false }, () => this.reloadKeysFile());
  }

  onModuleDestroy(): void {
    if (this.config.auth.keysFile !== null) unwatchFile(this.config.auth.keysFile);
  }

  private knownKeys(): KnownKey[] {
    const fromEnv = this.config.auth.apiKeys.map((key) => ({ digest: digestOf(key), identity: MCP_API_KEY, expiresAt: null }));
    const file = this.config.auth.keysFile;
    const fromFile =
      file === null
        ? []
        : readKeysFile(file, { mustExist: true }).map((entry) => ({
            digest: Buffer.from(entry.sha256, 'hex'),
            identity: {
              label: entry.label,
              scopes: new Set(entry.scopes),
              labelled: true,
              spaces: entry.spaces ? spaceAccessOf(entry.label, entry.spaces) : EVERY_SPACE,
            },
            expiresAt: entry.expires === null ? null : Date.parse(entry.expires),
          }));
    return [...fromEnv, ...fromFile];
  }

  /** Re-reads MCP_API_KEYS_FILE (on change and on SIGHUP); a file that does not parse keeps the keys in force. */
  reloadKeysFile(): void {
    try {
      this.matcher = new ApiKeyMatcher(this.knownKeys());
      this.logger.log({ msg: 'API keys loaded', file: this.config.auth.keysFile });
    } catch (error) {
      this.logger.error({ msg: 'The keys file was not reloaded; the previous keys stay in force', error: (error as Error).message });
    }
  }

  get enabled(): boolean {
    return this.matcher.enabled || this.config.auth.keysFile !== null;
  }

  /**
   * Records on the request whether it carries a valid key, and whose. For a route that needs one,
   * a missing key throws 401, a wrong or expired one 403 (429 once the address has sent too many).
   */
  authenticate(request: AuthenticatedRequest, isPublic: boolean): void {
    if (request[AUTHENTICATED] !== undefined) return;
    if (!this.enabled) {
      request[AUTHENTICATED] = true;
      request[IDENTITY] = ANONYMOUS;
      return;
    }
    const check = this.matcher.check(presentedApiKeys(request));
    request[AUTHENTICATED] = check.result === 'valid';
    if (check.result === 'valid') {
      request[IDENTITY] = check.identity;
      const used = this.usage.get(check.identity.label) ?? { requests: 0, lastUsedAt: 0 };
      used.requests += 1;
      used.lastUsedAt = Date.now();
      this.usage.set(check.identity.label, used);
    }
    // The decision, never the key: which route, from where, and whose valid key came with it.
    this.logger.debug({
      msg: 'Auth decision',
      key: check.result,
      label: check.result === 'valid' ? check.identity.label : undefined,
      public: isPublic,
      ip: request.ip,
      method: request.method,
      route: request.url.split('?')[0],
    });
    if (check.result === 'valid') return;
    const wrong = check.result !== 'missing';
    const blockedFor = wrong ? this.limiter.blockedFor(request.ip) : 0;
    if (wrong && blockedFor === 0) this.limiter.recordFailure(request.ip);
    if (isPublic) return;
    if (blockedFor > 0) {
      this.failures.rate_limited += 1;
      throw new TooManyAuthFailuresError(blockedFor);
    }
    this.failures[check.result === 'missing' ? 'missing_key' : check.result === 'expired' ? 'expired_key' : 'invalid_key'] += 1;
    const message = check.result === 'missing' ? 'Missing API key' : check.result === 'expired' ? 'Expired API key' : 'Invalid API key';
    this.logger.warn({ msg: message, ip: request.ip, method: request.method, route: request.url.split('?')[0] });
    if (check.result === 'missing') throw new UnauthorizedException({ detail: message });
    throw new ForbiddenException({ detail: message });
  }

  /** The keys in force (MCP_API_KEY as one entry), with their use since the server started; never keys or digests. */
  keyStatistics(): KeyStatistics[] {
    const now = Date.now();
    const seen = new Set<string>();
    return this.matcher.known
      .filter(({ identity }) => !seen.has(identity.label) && seen.add(identity.label))
      .map(({ identity, expiresAt }) => {
        const used = this.usage.get(identity.label);
        return {
          label: identity.label,
          scopes: [...identity.scopes],
          source: identity.labelled ? ('keys_file' as const) : ('MCP_API_KEY' as const),
          expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
          expired: expiresAt !== null && now >= expiresAt,
          requests: used?.requests ?? 0,
          last_used_at: used ? new Date(used.lastUsedAt).toISOString() : null,
          spaces:
            identity.spaces.read === null
              ? null
              : { write: [...identity.spaces.write!], read: [...identity.spaces.read], default_space: identity.spaces.defaultSpace },
        };
      });
  }

  /** After authenticate: the request's key must carry one of `scopes` (403 naming them otherwise). */
  authorize(request: AuthenticatedRequest, scopes: readonly Scope[]): void {
    const identity = request[IDENTITY];
    if (identity === undefined || scopes.some((scope) => identity.scopes.has(scope))) return;
    this.failures.insufficient_scope += 1;
    const route = `${request.method} ${request.url.split('?')[0]}`;
    const needed = scopes.join(' or ');
    this.logger.warn({ msg: 'Missing scope', label: identity.label, scope: needed, ip: request.ip, route });
    throw new ForbiddenException({ detail: `The key "${identity.label}" lacks the ${needed} scope that ${route} needs` });
  }
}
