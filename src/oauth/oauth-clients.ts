import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import { CustomOAuthError, InvalidClientError, InvalidClientMetadataError, OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { NextFunction, Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { keyDigest as digest } from '../auth/keys-file.js';
import { isLoopbackHost } from '../config/web-access.js';
import type { OAuthStore } from '../storage/oauth-store.js';

/** Registered clients at most (registration is open to anyone: a bound on what strangers can store). */
const MAX_CLIENTS = 10_000;

/** A registration as stored: a confidential client's secret only as its SHA-256 digest. */
type StoredClient = Omit<OAuthClientInformationFull, 'client_secret'> & { client_secret?: string; client_secret_sha256?: string };

/**
 * Why a redirect URI is refused at registration, or null. Registration is open to anyone, so a
 * redirect URI must not turn this server into a way of sending people elsewhere: https:// only,
 * plain http:// only to this machine (native apps' loopback redirects, RFC 8252), no fragment
 * (RFC 6749 §3.1.2), no other scheme (file:, javascript:, data:, custom schemes).
 */
export function redirectUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${JSON.stringify(uri.slice(0, 80))} is not a URL`;
  }
  if (uri.includes('#')) return `${url.origin}${url.pathname} must not have a fragment`;
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:')
    return isLoopbackHost(url.hostname.replace(/^\[(.*)\]$/, '$1')) ? null : `http://${url.host} is plain HTTP to another machine: use https://`;
  return `the ${url.protocol} scheme is not allowed: use https:// (or http:// to localhost / 127.0.0.1 / [::1])`;
}

/**
 * The registered OAuth clients, as the MCP SDK's handlers read and write them. A confidential
 * client's secret is shown once, in the registration answer, and stored as a digest; the SDK
 * compares secrets as stored, so the token and revocation endpoints check them here first
 * (checkClientSecret) and the SDK is handed the client without one.
 */
export class OAuthClients implements OAuthRegisteredClientsStore {
  constructor(
    private readonly store: OAuthStore,
    private readonly log: (message: Record<string, unknown>) => void,
  ) {}

  async getClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    const stored = await this.stored(clientId);
    if (stored === null) return undefined;
    const { client_secret: _secret, client_secret_sha256: _digest, ...client } = stored;
    return client as OAuthClientInformationFull;
  }

  async registerClient(client: OAuthClientInformationFull): Promise<OAuthClientInformationFull> {
    for (const uri of client.redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem !== null) throw new CustomOAuthError('invalid_redirect_uri', `redirect_uris: ${problem}`);
    }
    if ((await this.store.countClients()) >= MAX_CLIENTS) {
      throw new InvalidClientMetadataError('Too many registered clients; an operator must remove unused ones first');
    }
    const { client_secret: secret, ...rest } = client;
    const stored: StoredClient = secret === undefined ? rest : { ...rest, client_secret_sha256: digest(secret) };
    await this.store.saveClient(client.client_id, JSON.stringify(stored), Date.now());
    this.log({ msg: 'OAuth client registered', client_id: client.client_id, client_name: client.client_name });
    return client;
  }

  /** Registrations stored by an earlier release with their secret as registered: the secret becomes its digest. */
  async hashStoredSecrets(): Promise<void> {
    for (const { clientId, information } of await this.store.clientsWithPlainSecret()) {
      const { client_secret: secret, ...rest } = JSON.parse(information) as StoredClient;
      if (secret === undefined) continue;
      await this.store.replaceClient(clientId, JSON.stringify({ ...rest, client_secret_sha256: digest(secret) }));
      this.log({ msg: 'OAuth client secret now stored as its digest', client_id: clientId });
    }
  }

  /**
   * Express middleware for /token and /revoke (after their body is parsed): a client with a
   * secret must send it (client_secret_post, as the SDK reads it), and it must match the digest.
   * A client without one, or a request naming no known client, goes on to the SDK's own checks.
   */
  readonly checkClientSecret = (req: Request, res: Response, next: NextFunction): void => {
    void this.secretProblem(req.body as Record<string, unknown> | undefined).then(
      (problem) => {
        if (problem === null) return next();
        res.setHeader('Cache-Control', 'no-store');
        res.status(problem instanceof InvalidClientError ? 401 : 400).json(problem.toResponseObject());
      },
      (error: unknown) => next(error),
    );
  };

  private async secretProblem(body: Record<string, unknown> | undefined): Promise<OAuthError | null> {
    const clientId = body?.client_id;
    if (typeof clientId !== 'string') return null;
    const stored = await this.stored(clientId);
    const expected = stored?.client_secret_sha256 ?? (stored?.client_secret === undefined ? undefined : digest(stored.client_secret));
    if (stored === null || expected === undefined) return null;
    const given = body?.client_secret;
    if (typeof given !== 'string' || given === '') return new InvalidClientError('Client secret is required');
    if (!timingSafeEqual(Buffer.from(digest(given), 'hex'), Buffer.from(expected, 'hex'))) return new InvalidClientError('Invalid client_secret');
    const expiresAt = stored.client_secret_expires_at;
    if (expiresAt !== undefined && expiresAt !== 0 && expiresAt < Math.floor(Date.now() / 1000)) return new InvalidClientError('Client secret has expired');
    return null;
  }

  private async stored(clientId: string): Promise<StoredClient | null> {
    const stored = await this.store.client(clientId);
    return stored === null ? null : (JSON.parse(stored) as StoredClient);
  }
}
