import { request as httpRequest } from 'node:http';
import type { AppConfig } from '../config/app-config.js';

/**
 * POSTs to the server configured for this machine when it answers (its health check), with the
 * configured key: commands that change a database a server holds go through it. Null when no
 * server answers; a refusal throws with the server's detail.
 */
export async function postToRunningServer(config: AppConfig, path: string, body: unknown): Promise<{ base: string; body: Record<string, unknown> } | null> {
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}/api`;
  try {
    await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
  } catch {
    return null;
  }
  const key = config.auth.apiKeys[0];
  // node:http rather than fetch: a re-embed answers after minutes, beyond fetch's header timeout.
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = httpRequest(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      let data = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (data += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: data }));
      response.on('error', reject);
    });
    request.end(JSON.stringify(body));
  });
  const answer = JSON.parse(text) as Record<string, unknown>;
  if (status !== 200) throw new Error(`the server at ${base} refused (${status}): ${String(answer.detail)}`);
  return { base, body: answer };
}
