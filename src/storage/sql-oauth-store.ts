import type { GrantedSpaces, OAuthAuthorization, OAuthGrant, OAuthStore, OAuthToken, SqlRunner, SqlStatement } from './oauth-store.js';

type Row = Record<string, unknown>;

/**
 * The OAuth tables: one migration, the same text on both backends (SQLite reads bigint as an
 * integer). Times are epoch ms; codes and tokens are SHA-256 digests. Frozen once released: a
 * change is a new migration.
 */
export const OAUTH_TABLES = `
  CREATE TABLE oauth_clients (
    client_id   text PRIMARY KEY,
    information text NOT NULL,
    created_at  bigint NOT NULL
  );
  CREATE TABLE oauth_authorizations (
    id             text PRIMARY KEY,
    client_id      text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    scopes         text NOT NULL,
    redirect_uri   text NOT NULL,
    code_challenge text NOT NULL,
    state          text,
    resource       text NOT NULL,
    status         text NOT NULL,
    code_digest    text UNIQUE,
    grant_id       text,
    approved_by    text,
    created_at     bigint NOT NULL,
    expires_at     bigint NOT NULL
  );
  CREATE INDEX oauth_authorizations_client ON oauth_authorizations (client_id);
  CREATE TABLE oauth_grants (
    id          text PRIMARY KEY,
    client_id   text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    scopes      text NOT NULL,
    resource    text NOT NULL,
    approved_by text NOT NULL,
    created_at  bigint NOT NULL,
    revoked_at  bigint
  );
  CREATE INDEX oauth_grants_client ON oauth_grants (client_id);
  CREATE TABLE oauth_tokens (
    digest     text PRIMARY KEY,
    grant_id   text NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    expires_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
  `;

/** Spaces chosen for a grant on the consent page (JSON; NULL: every space, as grants made before spaces). */
export const OAUTH_SPACES = `
  ALTER TABLE oauth_authorizations ADD COLUMN spaces text;
  ALTER TABLE oauth_grants ADD COLUMN spaces text;
  `;

const spacesOf = (value: unknown): GrantedSpaces | null => (value === null || value === undefined ? null : (JSON.parse(String(value)) as GrantedSpaces));
const spacesText = (spaces: GrantedSpaces | null): string | null => (spaces === null ? null : JSON.stringify(spaces));

/** bigint columns arrive as strings from PostgreSQL, as numbers from SQLite. */
const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const scopesOf = (value: unknown): string[] => String(value).split(' ').filter(Boolean);

function toAuthorization(row: Row): OAuthAuthorization {
  return {
    id: String(row.id),
    clientId: String(row.client_id),
    scopes: scopesOf(row.scopes),
    redirectUri: String(row.redirect_uri),
    codeChallenge: String(row.code_challenge),
    state: strOrNull(row.state),
    resource: String(row.resource),
    status: row.status as OAuthAuthorization['status'],
    grantId: strOrNull(row.grant_id),
    approvedBy: strOrNull(row.approved_by),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    spaces: spacesOf(row.spaces),
  };
}

function toGrant(row: Row, prefix = ''): OAuthGrant {
  return {
    id: String(row[`${prefix}id`]),
    clientId: String(row[`${prefix}client_id`]),
    scopes: scopesOf(row[`${prefix}scopes`]),
    resource: String(row[`${prefix}resource`]),
    approvedBy: String(row[`${prefix}approved_by`]),
    createdAt: num(row[`${prefix}created_at`]),
    revokedAt: numOrNull(row[`${prefix}revoked_at`]),
    spaces: spacesOf(row[`${prefix}spaces`]),
  };
}

const insertGrant = (grant: OAuthGrant): SqlStatement => ({
  sql: 'INSERT INTO oauth_grants (id, client_id, scopes, resource, approved_by, created_at, revoked_at, spaces) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)',
  params: [grant.id, grant.clientId, grant.scopes.join(' '), grant.resource, grant.approvedBy, grant.createdAt, spacesText(grant.spaces)],
});

const insertToken = (token: OAuthToken): SqlStatement => ({
  sql: 'INSERT INTO oauth_tokens (digest, grant_id, kind, expires_at, revoked_at) VALUES (?, ?, ?, ?, NULL)',
  params: [token.digest, token.grantId, token.kind, token.expiresAt],
});

/** The OAuth tables through either backend's runner: the same SQL on SQLite and PostgreSQL. */
export class SqlOAuthStore implements OAuthStore {
  constructor(private readonly db: SqlRunner) {}

  async saveClient(clientId: string, information: string, createdAt: number): Promise<void> {
    await this.db.transaction([
      { sql: 'INSERT INTO oauth_clients (client_id, information, created_at) VALUES (?, ?, ?)', params: [clientId, information, createdAt] },
    ]);
  }

  async client(clientId: string): Promise<string | null> {
    const [row] = await this.db.query('SELECT information FROM oauth_clients WHERE client_id = ?', [clientId]);
    return row ? String(row.information) : null;
  }

  async clientsWithPlainSecret(): Promise<{ clientId: string; information: string }[]> {
    const rows = await this.db.query(`SELECT client_id, information FROM oauth_clients WHERE information LIKE '%"client_secret":"%'`, []);
    return rows.map((row) => ({ clientId: String(row.client_id), information: String(row.information) }));
  }

  async replaceClient(clientId: string, information: string): Promise<void> {
    await this.db.transaction([{ sql: 'UPDATE oauth_clients SET information = ? WHERE client_id = ?', params: [information, clientId] }]);
  }

  async countClients(): Promise<number> {
    const [row] = await this.db.query('SELECT COUNT(*) AS n FROM oauth_clients', []);
    return num(row!.n);
  }

  async createAuthorization(a: OAuthAuthorization): Promise<void> {
    await this.db.transaction([
      {
        sql: `INSERT INTO oauth_authorizations (id, client_id, scopes, redirect_uri, code_challenge, state, resource, status, code_digest, grant_id, approved_by, created_at, expires_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)`,
        params: [a.id, a.clientId, a.scopes.join(' '), a.redirectUri, a.codeChallenge, a.state, a.resource, a.status, a.createdAt, a.expiresAt],
      },
    ]);
  }

  async authorization(id: string): Promise<OAuthAuthorization | null> {
    const [row] = await this.db.query('SELECT * FROM oauth_authorizations WHERE id = ?', [id]);
    return row ? toAuthorization(row) : null;
  }

  approveAuthorization(
    id: string,
    codeDigest: string,
    scopes: string[],
    spaces: GrantedSpaces | null,
    approvedBy: string,
    expiresAt: number,
  ): Promise<boolean> {
    return this.db.transaction([
      {
        sql: `UPDATE oauth_authorizations SET status = 'approved', code_digest = ?, scopes = ?, spaces = ?, approved_by = ?, expires_at = ? WHERE id = ? AND status = 'pending'`,
        params: [codeDigest, scopes.join(' '), spacesText(spaces), approvedBy, expiresAt, id],
        mustChange: true,
      },
    ]);
  }

  denyAuthorization(id: string): Promise<boolean> {
    return this.db.transaction([
      { sql: `UPDATE oauth_authorizations SET status = 'denied' WHERE id = ? AND status = 'pending'`, params: [id], mustChange: true },
    ]);
  }

  async authorizationByCode(codeDigest: string): Promise<OAuthAuthorization | null> {
    const [row] = await this.db.query('SELECT * FROM oauth_authorizations WHERE code_digest = ?', [codeDigest]);
    return row ? toAuthorization(row) : null;
  }

  redeemCode(codeDigest: string, grant: OAuthGrant, tokens: OAuthToken[]): Promise<boolean> {
    return this.db.transaction([
      {
        sql: `UPDATE oauth_authorizations SET status = 'redeemed', grant_id = ? WHERE code_digest = ? AND status = 'approved'`,
        params: [grant.id, codeDigest],
        mustChange: true,
      },
      insertGrant(grant),
      ...tokens.map(insertToken),
    ]);
  }

  async token(digest: string): Promise<{ token: OAuthToken; grant: OAuthGrant } | null> {
    const [row] = await this.db.query(
      `SELECT t.digest, t.grant_id, t.kind, t.expires_at, t.revoked_at AS token_revoked_at,
              g.id AS g_id, g.client_id AS g_client_id, g.scopes AS g_scopes, g.resource AS g_resource,
              g.approved_by AS g_approved_by, g.created_at AS g_created_at, g.revoked_at AS g_revoked_at, g.spaces AS g_spaces
       FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.digest = ?`,
      [digest],
    );
    if (!row) return null;
    return {
      token: {
        digest: String(row.digest),
        grantId: String(row.grant_id),
        kind: row.kind as OAuthToken['kind'],
        expiresAt: num(row.expires_at),
        revokedAt: numOrNull(row.token_revoked_at),
      },
      grant: toGrant(row, 'g_'),
    };
  }

  rotateRefreshToken(digest: string, at: number, tokens: OAuthToken[]): Promise<boolean> {
    return this.db.transaction([
      { sql: `UPDATE oauth_tokens SET revoked_at = ? WHERE digest = ? AND kind = 'refresh' AND revoked_at IS NULL`, params: [at, digest], mustChange: true },
      ...tokens.map(insertToken),
    ]);
  }

  async revokeToken(digest: string, at: number): Promise<void> {
    await this.db.transaction([{ sql: 'UPDATE oauth_tokens SET revoked_at = ? WHERE digest = ? AND revoked_at IS NULL', params: [at, digest] }]);
  }

  revokeGrant(grantId: string, at: number): Promise<boolean> {
    return this.db.transaction([
      { sql: 'UPDATE oauth_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', params: [at, grantId], mustChange: true },
      { sql: 'UPDATE oauth_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL', params: [at, grantId] },
    ]);
  }

  async grants(): Promise<(OAuthGrant & { client: string | null })[]> {
    const rows = await this.db.query(
      `SELECT g.*, c.information FROM oauth_grants g LEFT JOIN oauth_clients c ON c.client_id = g.client_id
       WHERE g.revoked_at IS NULL ORDER BY g.created_at DESC, g.id`,
      [],
    );
    return rows.map((row) => ({ ...toGrant(row), client: strOrNull(row.information) }));
  }

  async purge(now: number, staleClientsBefore: number): Promise<void> {
    await this.db.transaction([
      { sql: 'DELETE FROM oauth_tokens WHERE expires_at < ?', params: [now] },
      { sql: 'DELETE FROM oauth_authorizations WHERE expires_at < ?', params: [now] },
      // A grant whose tokens have all expired can do nothing any more (redeemCode stores a grant with its tokens).
      { sql: 'DELETE FROM oauth_grants WHERE NOT EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.grant_id = oauth_grants.id)', params: [] },
      {
        sql: `DELETE FROM oauth_clients WHERE created_at < ?
              AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = oauth_clients.client_id)
              AND NOT EXISTS (SELECT 1 FROM oauth_authorizations a WHERE a.client_id = oauth_clients.client_id)`,
        params: [staleClientsBefore],
      },
    ]);
  }
}
