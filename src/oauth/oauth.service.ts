import { type Caller, readableSpaces, spaceAccessOfGrant, writableSpace } from '../spaces/space-access.js';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InvalidGrantError, InvalidScopeError, InvalidTargetError, InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { OAuthClientInformationFull, OAuthTokenRevocationRequest, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { ConflictError, InvalidAccessTokenError, InvalidInputError, NotFoundError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { keyDigest as digest, newSecret } from '../auth/keys-file.js';
import type { AccessTokenVerifier } from '../auth/request-gate.js';
import type { KeyIdentity, Scope } from '../auth/scopes.js';
import { OAuthClients } from './oauth-clients.js';
import { type GrantedSpaces, OAUTH_STORE, type OAuthAuthorization, type OAuthGrant, type OAuthStore, type OAuthToken } from '../storage/oauth-store.js';

/**
 * The key scopes an OAuth client can be granted. Tokens are for /mcp only, where no tool needs
 * admin (administration takes a key), and metrics is for scrapers.
 */
export const OAUTH_SCOPES = ['read', 'write'] as const satisfies readonly Scope[];
/** Granted when a client asks for no scope we know. */
const DEFAULT_SCOPES: Scope[] = ['read', 'write'];
/** How long the operator has to approve a pending authorization. */
const CONSENT_SECONDS = 15 * 60;
/** Clients that were never granted anything are forgotten after a day. */
const STALE_CLIENT_MS = 86_400_000;
const PURGE_EVERY_MS = 3_600_000;
/** Issued tokens carry a prefix, so the gate knows a token from an API key without a lookup. */
const ACCESS_TOKEN_PREFIX = 'mmo_at_';
const REFRESH_TOKEN_PREFIX = 'mmo_rt_';

/** Resource indicators compare without a trailing slash (clients differ on it). */
const sameResource = (a: string, b: string): boolean => a.replace(/\/$/, '') === b.replace(/\/$/, '');

/** What the consent page shows the operator about a pending authorization. */
export interface AuthorizationView {
  id: string;
  client_id: string;
  client_name: string | null;
  client_uri: string | null;
  redirect_uri: string;
  scopes: string[];
  resource: string;
  status: OAuthAuthorization['status'];
  expires_at: string;
}

export interface GrantView {
  id: string;
  client_id: string;
  client_name: string | null;
  scopes: string[];
  resource: string;
  approved_by: string;
  created_at: string;
  /** The spaces it may write and only read (null: every space). */
  spaces: GrantedSpaces | null;
}

/**
 * The OAuth 2.1 authorization server behind the MCP SDK's endpoints (metadata, registration,
 * authorize, token, revoke; the SDK checks the protocol: PKCE S256, redirect URIs, client
 * authentication). This holds the rules: an operator approves each authorization with an admin
 * key on the consent page; codes are single-use (a replayed code revokes what it issued); access
 * tokens are short-lived and bound to this server's /mcp resource; refresh tokens rotate (a reused
 * one revokes the grant); everything is in the database, so replicas share it.
 */
/** A path of this server under the issuer's own path (MCP_HTTP_ROOT_PATH, or the path MCP_OAUTH_ISSUER names). */
export const underIssuer = (issuer: URL, path: string): URL => new URL(`${issuer.pathname.replace(/\/$/, '')}${path}`, issuer);

@Injectable()
export class OAuthService implements OAuthServerProvider, AccessTokenVerifier, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('OAuth');
  private issuerFallback: (() => string) | null = null;
  private readonly purgeTimer: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OAUTH_STORE) private readonly store: OAuthStore,
  ) {
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_EVERY_MS).unref();
  }

  async onModuleInit(): Promise<void> {
    await this.clientsStore.hashStoredSecrets();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  /** Without MCP_OAUTH_ISSUER the issuer is this server's own address, known once it listens. */
  useAddressWhenUnconfigured(address: () => string): void {
    this.issuerFallback = address;
  }

  get issuer(): URL {
    const origin = this.config.oauth.issuer ?? this.issuerFallback?.();
    if (origin === undefined) throw new Error('The OAuth issuer is not known before the server listens');
    return new URL(origin);
  }

  /** The protected resource: this server's MCP endpoint. */
  get resource(): URL {
    return underIssuer(this.issuer, '/mcp');
  }

  get resourceMetadataUrl(): string {
    return underIssuer(this.issuer, '/.well-known/oauth-protected-resource/mcp').href;
  }

  /** The registered clients (open registration; secrets kept as digests). */
  readonly clientsStore = new OAuthClients(this.store, (message) => this.logger.log(message));

  // --- The authorization request and the operator's decision ---

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const resource = params.resource?.href ?? this.resource.href;
    if (!sameResource(resource, this.resource.href)) throw new InvalidTargetError(`This server issues tokens for ${this.resource.href} only`);
    const known = (params.scopes ?? []).filter((scope): scope is Scope => (OAUTH_SCOPES as readonly string[]).includes(scope));
    const now = Date.now();
    const id = newSecret();
    await this.store.createAuthorization({
      id,
      clientId: client.client_id,
      scopes: known.length > 0 ? [...new Set(known)] : DEFAULT_SCOPES,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      state: params.state ?? null,
      resource: this.resource.href,
      status: 'pending',
      grantId: null,
      approvedBy: null,
      createdAt: now,
      expiresAt: now + CONSENT_SECONDS * 1000,
      spaces: null,
    });
    res.redirect(302, underIssuer(this.issuer, `/oauth-consent.html?request=${encodeURIComponent(id)}`).href);
  }

  private async pendingAuthorization(id: string): Promise<OAuthAuthorization> {
    const authorization = await this.store.authorization(id);
    if (authorization === null || authorization.expiresAt <= Date.now()) throw new NotFoundError('No such authorization request (it may have expired)');
    if (authorization.status !== 'pending')
      throw new ConflictError(`This authorization request was already ${authorization.status === 'denied' ? 'denied' : 'approved'}`);
    return authorization;
  }

  async describe(id: string): Promise<AuthorizationView> {
    const authorization = await this.pendingAuthorization(id);
    const client = await this.clientsStore.getClient(authorization.clientId);
    return {
      id,
      client_id: authorization.clientId,
      client_name: client?.client_name ?? null,
      client_uri: client?.client_uri ?? null,
      redirect_uri: authorization.redirectUri,
      scopes: authorization.scopes,
      resource: authorization.resource,
      status: authorization.status,
      expires_at: new Date(authorization.expiresAt).toISOString(),
    };
  }

  /**
   * The operator approves (maybe fewer scopes than asked) and chooses the spaces (never more than
   * the approving key may use; none chosen: all of those); the answer is where to send the browser with the code.
   */
  async approve(id: string, scopes: string[] | undefined, spaces: Partial<GrantedSpaces> | undefined, approver: Caller): Promise<{ redirect_to: string }> {
    const actor = approver.label;
    const granted = grantableSpaces(spaces, approver);
    const authorization = await this.pendingAuthorization(id);
    const chosen = scopes ?? authorization.scopes;
    const extra = chosen.filter((scope) => !authorization.scopes.includes(scope));
    if (chosen.length === 0 || extra.length > 0) {
      throw InvalidInputError.field('scopes', `choose one or more of the scopes asked for (${authorization.scopes.join(', ')})`);
    }
    const code = newSecret();
    const expiresAt = Date.now() + this.config.oauth.authorizationCodeSeconds * 1000;
    if (!(await this.store.approveAuthorization(id, digest(code), [...new Set(chosen)], granted, actor, expiresAt))) {
      throw new ConflictError('This authorization request was decided meanwhile');
    }
    this.logger.log({ msg: 'OAuth authorization approved', client_id: authorization.clientId, scopes: chosen, spaces: granted ?? 'all', actor });
    return { redirect_to: this.redirect(authorization, { code }) };
  }

  async deny(id: string, actor: string): Promise<{ redirect_to: string }> {
    const authorization = await this.pendingAuthorization(id);
    if (!(await this.store.denyAuthorization(id))) throw new ConflictError('This authorization request was decided meanwhile');
    this.logger.log({ msg: 'OAuth authorization denied', client_id: authorization.clientId, actor });
    return { redirect_to: this.redirect(authorization, { error: 'access_denied', error_description: 'The operator denied the request' }) };
  }

  private redirect(authorization: OAuthAuthorization, parameters: Record<string, string>): string {
    const url = new URL(authorization.redirectUri);
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    if (authorization.state !== null) url.searchParams.set('state', authorization.state);
    url.searchParams.set('iss', this.issuer.href);
    return url.href;
  }

  // --- The token endpoint ---

  /** The approved authorization a code belongs to; a code presented again revokes what it issued. */
  private async redeemable(client: OAuthClientInformationFull, code: string): Promise<OAuthAuthorization> {
    const authorization = await this.store.authorizationByCode(digest(code));
    if (authorization === null || authorization.clientId !== client.client_id) throw new InvalidGrantError('Unknown authorization code');
    if (authorization.status === 'redeemed') {
      if (authorization.grantId !== null) await this.store.revokeGrant(authorization.grantId, Date.now());
      this.logger.warn({ msg: 'OAuth authorization code replayed; its grant is revoked', client_id: client.client_id });
      throw new InvalidGrantError('Authorization code already used; the tokens issued for it are revoked');
    }
    if (authorization.status !== 'approved' || authorization.expiresAt <= Date.now()) throw new InvalidGrantError('Authorization code expired');
    return authorization;
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<string> {
    return (await this.redeemable(client, code)).codeChallenge;
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    _verifier?: string,
    redirectUri?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    const authorization = await this.redeemable(client, code);
    if (redirectUri !== undefined && redirectUri !== authorization.redirectUri) {
      throw new InvalidGrantError('redirect_uri differs from the one of the authorization request');
    }
    if (resource !== undefined && !sameResource(resource.href, authorization.resource))
      throw new InvalidTargetError('The code was issued for another resource');
    const grant: OAuthGrant = {
      id: randomUUID(),
      clientId: client.client_id,
      scopes: authorization.scopes,
      resource: authorization.resource,
      approvedBy: authorization.approvedBy ?? 'unknown',
      createdAt: Date.now(),
      revokedAt: null,
      spaces: authorization.spaces,
    };
    const pair = this.tokenPair(grant);
    if (!(await this.store.redeemCode(digest(code), grant, pair.records))) {
      // Redeemed by a concurrent request: the same code twice is a replay (redeemable revokes and throws).
      await this.redeemable(client, code);
      throw new InvalidGrantError('Authorization code already used');
    }
    this.logger.log({ msg: 'OAuth tokens issued', client_id: client.client_id, grant: grant.id, scopes: grant.scopes });
    return pair.response;
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string, scopes?: string[], resource?: URL): Promise<OAuthTokens> {
    const found = await this.store.token(digest(refreshToken));
    if (found === null || found.token.kind !== 'refresh' || found.grant.clientId !== client.client_id) throw new InvalidGrantError('Unknown refresh token');
    const { token, grant } = found;
    if (grant.revokedAt !== null) throw new InvalidGrantError('The grant was revoked');
    if (token.revokedAt !== null) {
      await this.store.revokeGrant(grant.id, Date.now());
      this.logger.warn({ msg: 'OAuth refresh token reused; its grant is revoked', client_id: client.client_id, grant: grant.id });
      throw new InvalidGrantError('Refresh token already used; the grant is revoked');
    }
    if (token.expiresAt <= Date.now()) throw new InvalidGrantError('Refresh token expired');
    if (resource !== undefined && !sameResource(resource.href, grant.resource)) throw new InvalidTargetError('The grant is for another resource');
    if (scopes !== undefined && scopes.some((scope) => !grant.scopes.includes(scope))) {
      throw new InvalidScopeError(`The grant allows ${grant.scopes.join(' ')} only`);
    }
    const pair = this.tokenPair(grant);
    if (!(await this.store.rotateRefreshToken(token.digest, Date.now(), pair.records))) {
      await this.store.revokeGrant(grant.id, Date.now());
      throw new InvalidGrantError('Refresh token already used; the grant is revoked');
    }
    return pair.response;
  }

  private tokenPair(grant: OAuthGrant): { records: OAuthToken[]; response: OAuthTokens } {
    const now = Date.now();
    const access = ACCESS_TOKEN_PREFIX + newSecret();
    const refresh = REFRESH_TOKEN_PREFIX + newSecret();
    const { accessTokenSeconds, refreshTokenSeconds } = this.config.oauth;
    return {
      records: [
        { digest: digest(access), grantId: grant.id, kind: 'access', expiresAt: now + accessTokenSeconds * 1000, revokedAt: null },
        { digest: digest(refresh), grantId: grant.id, kind: 'refresh', expiresAt: now + refreshTokenSeconds * 1000, revokedAt: null },
      ],
      response: { access_token: access, token_type: 'Bearer', expires_in: accessTokenSeconds, refresh_token: refresh, scope: grant.scopes.join(' ') },
    };
  }

  // --- Using and revoking tokens ---

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const found = await this.store.token(digest(token));
    if (found === null || found.token.kind !== 'access') throw new InvalidTokenError('Unknown access token');
    if (found.token.revokedAt !== null || found.grant.revokedAt !== null) throw new InvalidTokenError('The access token was revoked');
    if (found.token.expiresAt <= Date.now()) throw new InvalidTokenError('The access token expired; refresh it');
    return {
      token,
      clientId: found.grant.clientId,
      scopes: found.grant.scopes,
      expiresAt: Math.floor(found.token.expiresAt / 1000),
      resource: new URL(found.grant.resource),
      extra: { grantId: found.grant.id, spaces: found.grant.spaces },
    };
  }

  recognizes(token: string): boolean {
    return token.startsWith(ACCESS_TOKEN_PREFIX);
  }

  /** Who an access token acts as on this server's /mcp (401 invalid_token otherwise). */
  async identify(token: string): Promise<KeyIdentity> {
    let info: AuthInfo;
    try {
      info = await this.verifyAccessToken(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new InvalidAccessTokenError(error.message);
      throw error;
    }
    if (!sameResource(info.resource!.href, this.resource.href))
      throw new InvalidAccessTokenError(`The access token was issued for another resource (${info.resource!.href})`);
    return {
      label: `oauth:${info.clientId}`,
      scopes: new Set(info.scopes as Scope[]),
      labelled: true,
      grantId: info.extra!.grantId as string,
      spaces: spaceAccessOfGrant((info.extra!.spaces as GrantedSpaces | null | undefined) ?? null),
    };
  }

  /** RFC 7009: a client revokes its own tokens; a refresh token takes its grant with it. Unknown tokens are ignored. */
  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest): Promise<void> {
    const found = await this.store.token(digest(request.token));
    if (found === null || found.grant.clientId !== client.client_id) return;
    if (found.token.kind === 'refresh') await this.store.revokeGrant(found.grant.id, Date.now());
    else await this.store.revokeToken(found.token.digest, Date.now());
    this.logger.log({ msg: 'OAuth token revoked by its client', client_id: client.client_id, kind: found.token.kind });
  }

  // --- The operator's view ---

  async grants(): Promise<GrantView[]> {
    return (await this.store.grants()).map((grant) => {
      const client = grant.client === null ? null : (JSON.parse(grant.client) as OAuthClientInformationFull);
      return {
        id: grant.id,
        client_id: grant.clientId,
        client_name: client?.client_name ?? null,
        scopes: grant.scopes,
        resource: grant.resource,
        approved_by: grant.approvedBy,
        created_at: new Date(grant.createdAt).toISOString(),
        spaces: grant.spaces,
      };
    });
  }

  async revokeGrant(id: string, actor: string): Promise<void> {
    if (!(await this.store.revokeGrant(id, Date.now()))) throw new NotFoundError(`No live grant ${id}`);
    this.logger.log({ msg: 'OAuth grant revoked', grant: id, actor });
  }

  private async purge(): Promise<void> {
    const now = Date.now();
    await this.store.purge(now, now - STALE_CLIENT_MS).catch((error: Error) => this.logger.warn({ msg: 'OAuth clean-up failed', error: error.message }));
  }
}

/**
 * The spaces a grant gets: those chosen, each one the approving key may use as chosen (write or
 * read); none chosen, all the approving key may use (null: every space).
 */
function grantableSpaces(chosen: Partial<GrantedSpaces> | undefined, approver: Caller): GrantedSpaces | null {
  const write = [...new Set(chosen?.write ?? [])];
  const read = [...new Set(chosen?.read ?? [])].filter((space) => !write.includes(space));
  if (write.length === 0 && read.length === 0) {
    const { read: mayRead, write: mayWrite } = approver.spaces;
    return mayRead === null ? null : { write: [...mayWrite!], read: mayRead.filter((space) => !mayWrite!.includes(space)) };
  }
  return { write: write.map((space) => writableSpace(approver, space)), read: read.map((space) => readableSpaces(approver, space)![0]!) };
}
