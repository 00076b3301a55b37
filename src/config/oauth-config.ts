import { ConfigError, type Env, read, readBool, readFloat } from './env-readers.js';
import { isLoopbackHost } from './web-access.js';

/** OAuth 2.1 for remote MCP connectors (off unless MCP_OAUTH_ENABLED=true); upstream's variable names. */
export interface OAuthConfig {
  readonly enabled: boolean;
  /**
   * The URL clients reach this server by (scheme, host, port; no path): the issuer of tokens and
   * the base of the metadata. null = this machine's loopback address and the listening port.
   */
  readonly issuer: string | null;
  readonly accessTokenSeconds: number;
  readonly authorizationCodeSeconds: number;
  readonly refreshTokenSeconds: number;
}

function readIssuer(env: Env): string | null {
  const raw = read(env, 'MCP_OAUTH_ISSUER');
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('MCP_OAUTH_ISSUER', `must be a URL such as https://memory.example.com, got "${raw}"`);
  }
  // The MCP SDK's metadata router allows plain http for these two host names only.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname))) {
    throw new ConfigError('MCP_OAUTH_ISSUER', `must be an https:// URL (plain http only for localhost / 127.0.0.1), got "${raw}"`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('MCP_OAUTH_ISSUER', `must be the server's origin only (scheme, host, port; no path, query or credentials), got "${raw}"`);
  }
  return url.origin;
}

export function readOAuthConfig(env: Env, bindHost: string, hasKeys: boolean): OAuthConfig {
  const enabled = readBool(env, 'MCP_OAUTH_ENABLED', false);
  const issuer = readIssuer(env);
  if (enabled && !hasKeys) {
    throw new ConfigError(
      'MCP_OAUTH_ENABLED',
      'needs MCP_API_KEY or MCP_API_KEYS_FILE: an operator approves each OAuth client with an admin key (and without keys there is nothing for OAuth to protect)',
    );
  }
  if (enabled && issuer === null && !isLoopbackHost(bindHost)) {
    throw new ConfigError(
      'MCP_OAUTH_ENABLED',
      `needs MCP_OAUTH_ISSUER (the https:// URL clients reach this server by, e.g. https://memory.example.com) when MCP_HTTP_HOST=${bindHost} serves other machines`,
    );
  }
  return Object.freeze({
    enabled,
    issuer,
    // Fractions of a minute are allowed (tests use seconds); upstream's ranges otherwise.
    accessTokenSeconds: Math.round(readFloat(env, 'MCP_OAUTH_ACCESS_TOKEN_EXPIRE_MINUTES', 60, 0.01, 1440) * 60),
    authorizationCodeSeconds: Math.round(readFloat(env, 'MCP_OAUTH_AUTHORIZATION_CODE_EXPIRE_MINUTES', 10, 0.01, 60) * 60),
    refreshTokenSeconds: Math.round(readFloat(env, 'MCP_OAUTH_REFRESH_TOKEN_EXPIRE_DAYS', 30, 0.0001, 365) * 86_400),
  });
}
