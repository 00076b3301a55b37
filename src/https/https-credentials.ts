import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { AppConfig } from '../config/app-config.js';

export interface HttpsCredentials {
  key: string;
  cert: string;
  certFile: string;
  keyFile: string;
  selfSigned: boolean;
}

/** A certificate or key file that cannot be used; the message names the file. */
export class HttpsCredentialsError extends Error {}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new HttpsCredentialsError(`Cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

function checkPair(cert: string, key: string, certFile: string, keyFile: string): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new HttpsCredentialsError(`${certFile} is not a PEM certificate: ${(error as Error).message}`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new HttpsCredentialsError(`${keyFile} is not a PEM private key: ${(error as Error).message}`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new HttpsCredentialsError(`The key ${keyFile} does not belong to the certificate ${certFile}`);
  }
  return certificate;
}

/** Names the generated certificate is valid for: localhost, this host, the bind address. */
function subjectAltNames(bindHost: string): { type: 2 | 7; value?: string; ip?: string }[] {
  const names = new Set(['localhost', hostname()]);
  const ips = new Set(['127.0.0.1', '::1']);
  if (isIP(bindHost)) {
    if (bindHost !== '0.0.0.0' && bindHost !== '::') ips.add(bindHost);
  } else {
    names.add(bindHost);
  }
  return [...[...names].map((value) => ({ type: 2 as const, value })), ...[...ips].map((ip) => ({ type: 7 as const, ip }))];
}

/**
 * The operator's certificate and key, or a self-signed pair generated once under certDir and
 * reused while it is valid.
 */
export async function loadHttpsCredentials(config: AppConfig): Promise<HttpsCredentials> {
  const { certFile, keyFile, certDir } = config.https;
  if (certFile !== null && keyFile !== null) {
    const cert = readPem(certFile, 'certificate file');
    const key = readPem(keyFile, 'key file');
    checkPair(cert, key, certFile, keyFile);
    return { cert, key, certFile, keyFile, selfSigned: false };
  }
  const generatedCert = join(certDir, 'server.crt');
  const generatedKey = join(certDir, 'server.key');
  if (existsSync(generatedCert) && existsSync(generatedKey)) {
    const cert = readPem(generatedCert, 'certificate file');
    const key = readPem(generatedKey, 'key file');
    const certificate = checkPair(cert, key, generatedCert, generatedKey);
    // Regenerated a month before it expires, so a long-running install never serves an expired one.
    if (new Date(certificate.validTo).getTime() - Date.now() > 30 * 86_400_000) {
      return { cert, key, certFile: generatedCert, keyFile: generatedKey, selfSigned: true };
    }
  }
  const pems = await generate([{ name: 'commonName', value: 'MCP Memory Service' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: subjectAltNames(config.http.host) },
    ],
  });
  try {
    mkdirSync(certDir, { recursive: true, mode: 0o700 });
    writeFileSync(generatedKey, pems.private, { mode: 0o600 });
    chmodSync(generatedKey, 0o600);
    // The certificate is public, but the whole directory stays the service's own.
    writeFileSync(generatedCert, pems.cert, { mode: 0o600 });
  } catch (error) {
    throw new HttpsCredentialsError(`Cannot write the generated certificate to ${certDir}: ${(error as Error).message}`);
  }
  return { cert: pems.cert, key: pems.private, certFile: generatedCert, keyFile: generatedKey, selfSigned: true };
}

/** The SHA-256 fingerprint of a PEM certificate, as lowercase hex (what clients pin). */
export function certificateSha256(certificatePem: string): string {
  return new X509Certificate(certificatePem).fingerprint256.replaceAll(':', '').toLowerCase();
}
