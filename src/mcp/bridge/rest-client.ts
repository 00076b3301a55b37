import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BridgeConfig } from '../../config/bridge-config.js';
import { PinnedCertificateAgent } from '../../discovery/pinned-certificate-agent.js';

/** A failure the model calling the tool must understand: the message says what happened and what to do. */
export class RemoteCallError extends Error {
  constructor(
    message: string,
    /** The HTTP status the server answered, when it answered. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'TIMEOUT']);
const UNTRUSTED_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface RawResponse {
  status: number;
  body: string;
  /** The server's Retry-After (seconds or an HTTP date), in milliseconds from now. */
  retryAfterMs: number | null;
}

/** The first retry waits up to this long (doubling after each), unless the server says otherwise. */
const RETRY_BASE_MS = 400;
/** A Retry-After longer than this is cut short: a tool call should fail rather than hang. */
const MAX_RETRY_AFTER_MS = 30_000;

function retryAfterMs(header: string | undefined): number | null {
  if (header === undefined) return null;
  const ms = /^\d+$/u.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

/** JSON over HTTP(S) to the remote server's REST API, with retries and readable errors. */
export class RestClient {
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(
    private readonly config: BridgeConfig,
    private readonly endpoint: URL,
    /** The certificate fingerprint to pin (MCP_MEMORY_TLS_FINGERPRINT, or a discovered server's advertised one): only that certificate is accepted. */
    pinnedCertSha256: string | null = null,
  ) {
    this.agent =
      endpoint.protocol !== 'https:'
        ? new HttpAgent({ keepAlive: true })
        : pinnedCertSha256 !== null
          ? new PinnedCertificateAgent(
              pinnedCertSha256,
              { keepAlive: true },
              pinnedCertSha256 === config.tlsFingerprint ? 'the one MCP_MEMORY_TLS_FINGERPRINT names' : undefined,
            )
          : new HttpsAgent({ keepAlive: true, rejectUnauthorized: !config.tlsInsecure, ...(config.ca ? { ca: config.ca } : {}) });
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(`${this.endpoint.pathname}${path}`, this.endpoint);
    let lastError: NodeJS.ErrnoException | null = null;
    let wait = 0;
    for (let attempt = 0; attempt <= this.config.retries; attempt++) {
      if (attempt > 0) await sleep(wait);
      // Full jitter: many bridges retrying after one outage do not come back in step.
      wait = Math.random() * RETRY_BASE_MS * 2 ** attempt;
      try {
        const response = await this.send(method, url, body);
        // Busy or rate-limited: the request was not processed; the server may say when to come back.
        if ((response.status === 503 || response.status === 429) && attempt < this.config.retries) {
          wait = Math.min(response.retryAfterMs ?? wait, MAX_RETRY_AFTER_MS);
          continue;
        }
        return this.interpret<T>(response);
      } catch (error) {
        // The server's own answer (interpreted above) is the result, not a connection failure.
        if (error instanceof RemoteCallError) throw error;
        lastError = error as NodeJS.ErrnoException;
        if (!RETRYABLE_CODES.has(lastError.code ?? '')) break;
      }
    }
    throw this.describe(lastError!);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, url: URL, body: unknown): Promise<RawResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.config.apiKey !== null) headers.authorization = `Bearer ${this.config.apiKey}`;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent, timeout: this.config.timeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, retryAfterMs: retryAfterMs(res.headers['retry-after']) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private interpret<T>(response: RawResponse): T {
    let parsed: unknown = null;
    try {
      parsed = response.body === '' ? null : JSON.parse(response.body);
    } catch {
      // A non-JSON answer (a proxy's error page) is described below by its status.
    }
    if (response.status >= 200 && response.status < 300) return parsed as T;
    const detail =
      typeof parsed === 'object' && parsed !== null && 'detail' in parsed ? String((parsed as { detail: unknown }).detail) : response.body.slice(0, 200);
    const server = this.endpoint.href;
    const status = response.status;
    if (status === 401) throw new RemoteCallError(`The memory server at ${server} requires an API key: set MCP_MEMORY_API_KEY (${detail})`, status);
    if (status === 403) throw new RemoteCallError(`The memory server at ${server} rejected the API key: check MCP_MEMORY_API_KEY (${detail})`, status);
    if (status === 404) throw new RemoteCallError(`Not found: ${detail}`, status);
    if (status >= 500) throw new RemoteCallError(`The memory server at ${server} failed (${status}): ${detail}`, status);
    throw new RemoteCallError(`The memory server refused the request (${status}): ${detail}`, status);
  }

  private describe(error: NodeJS.ErrnoException): RemoteCallError {
    const server = this.endpoint.href;
    const code = error.code ?? '';
    if (code === 'CERT_FINGERPRINT_MISMATCH') return new RemoteCallError(`Refused to talk to ${server}: ${error.message}`);
    if (code === 'ECONNREFUSED') return new RemoteCallError(`Cannot reach the memory server at ${server}: connection refused (is it running?)`);
    if (code === 'TIMEOUT') return new RemoteCallError(`The memory server at ${server} did not answer within ${this.config.timeoutMs} ms`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new RemoteCallError(`Cannot resolve the memory server's host name in ${server}`);
    if (UNTRUSTED_CERT_CODES.has(code)) {
      return new RemoteCallError(
        `The memory server at ${server} presented a certificate this machine does not trust (${code}): set MCP_MEMORY_TLS_FINGERPRINT to the SHA-256 fingerprint the server prints at start (its generated certificate), MCP_MEMORY_CA_FILE to its CA certificate, or MCP_MEMORY_TLS_INSECURE=true to trust any certificate`,
      );
    }
    return new RemoteCallError(`Cannot reach the memory server at ${server}: ${error.message}`);
  }
}
