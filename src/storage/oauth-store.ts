/** Persistence of the OAuth authorization server (clients, authorizations, grants, tokens) on both backends. */

export const OAUTH_STORE = Symbol('OAUTH_STORE');

/** Times are epoch milliseconds; tokens and codes are stored as SHA-256 digests (hex), never as issued. */
export interface OAuthAuthorization {
  id: string;
  clientId: string;
  /** The scopes asked for (pending) or approved (afterwards). */
  scopes: string[];
  redirectUri: string;
  codeChallenge: string;
  state: string | null;
  resource: string;
  status: 'pending' | 'approved' | 'denied' | 'redeemed';
  /** The grant made when the code was redeemed (a replayed code revokes it). */
  grantId: string | null;
  approvedBy: string | null;
  createdAt: number;
  expiresAt: number;
  /** The spaces approved (null: every space). */
  spaces: GrantedSpaces | null;
}

/** The spaces an OAuth grant may write (and read) and may only read. */
export interface GrantedSpaces {
  write: string[];
  read: string[];
}

export interface OAuthGrant {
  id: string;
  clientId: string;
  scopes: string[];
  resource: string;
  approvedBy: string;
  createdAt: number;
  revokedAt: number | null;
  /** The spaces it may use (null: every space). */
  spaces: GrantedSpaces | null;
}

export interface OAuthToken {
  digest: string;
  grantId: string;
  kind: 'access' | 'refresh';
  expiresAt: number;
  /** Revoked, or (a refresh token) exchanged for a new pair. */
  revokedAt: number | null;
}

export interface OAuthStore {
  saveClient(clientId: string, information: string, createdAt: number): Promise<void>;
  /** The client's registration as stored (JSON text), or null. */
  client(clientId: string): Promise<string | null>;
  countClients(): Promise<number>;
  /** Registrations that still hold a client secret as registered (stored before secrets were kept as digests). */
  clientsWithPlainSecret(): Promise<{ clientId: string; information: string }[]>;
  replaceClient(clientId: string, information: string): Promise<void>;

  createAuthorization(authorization: OAuthAuthorization): Promise<void>;
  authorization(id: string): Promise<OAuthAuthorization | null>;
  /** Pending -> approved with the code's digest, the approved scopes and the code's expiry; false if it was not pending. */
  approveAuthorization(id: string, codeDigest: string, scopes: string[], spaces: GrantedSpaces | null, approvedBy: string, expiresAt: number): Promise<boolean>;
  /** Pending -> denied; false if it was not pending. */
  denyAuthorization(id: string): Promise<boolean>;
  authorizationByCode(codeDigest: string): Promise<OAuthAuthorization | null>;
  /**
   * In one transaction: approved -> redeemed (once only), the grant and its first tokens stored.
   * False (nothing written) when the code was not approved any more.
   */
  redeemCode(codeDigest: string, grant: OAuthGrant, tokens: OAuthToken[]): Promise<boolean>;

  /** A token with its grant (revoked or expired ones too: the caller decides). */
  token(digest: string): Promise<{ token: OAuthToken; grant: OAuthGrant } | null>;
  /** In one transaction: the refresh token is marked used and the new pair stored; false if it was already used or revoked. */
  rotateRefreshToken(digest: string, at: number, tokens: OAuthToken[]): Promise<boolean>;
  revokeToken(digest: string, at: number): Promise<void>;
  /** The grant and every token of it; false if there was no such live grant. */
  revokeGrant(grantId: string, at: number): Promise<boolean>;
  /** Live grants, newest first, with their client's registration. */
  grants(): Promise<(OAuthGrant & { client: string | null })[]>;
  /** Deletes expired authorizations and tokens, and clients never granted anything that registered before `staleClientsBefore`. */
  purge(now: number, staleClientsBefore: number): Promise<void>;
}

/** A statement for SqlRunner: `?` placeholders on both backends. */
export interface SqlStatement {
  sql: string;
  params: unknown[];
  /** The transaction is rolled back (and reports false) unless this statement changed a row. */
  mustChange?: boolean;
}

/** Thrown inside a SqlRunner transaction to roll it back when a `mustChange` statement changed nothing. */
export const ROLLED_BACK = Symbol('rolled back');

/**
 * What a side store on the memory database needs from its backend: reads, and
 * statements applied together in one transaction (with that backend's locking and retries).
 */
export interface SqlRunner {
  query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  transaction(statements: SqlStatement[]): Promise<boolean>;
}
