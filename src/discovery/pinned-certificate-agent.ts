import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** A certificate that is not the pinned one (a different server, or a man in the middle). */
export class CertificateMismatchError extends Error {
  readonly code = 'CERT_FINGERPRINT_MISMATCH';
}

const normalize = (fingerprint: string): string => fingerprint.replaceAll(':', '').toLowerCase();

/**
 * HTTPS to a server whose certificate is known by its SHA-256 fingerprint (advertised in its mDNS
 * record, or given as MCP_MEMORY_TLS_FINGERPRINT): any chain is accepted, but the connection is handed to the request only after the
 * server's certificate matched exactly, so nothing (not the API key) is sent to anyone else.
 */
export class PinnedCertificateAgent extends HttpsAgent {
  private readonly fingerprint: string;

  constructor(
    fingerprint: string,
    options: AgentOptions = {},
    /** Where the fingerprint came from, for the mismatch message. */
    private readonly pinnedBy = 'the one it advertised',
  ) {
    super({ ...options, rejectUnauthorized: false });
    this.fingerprint = normalize(fingerprint);
  }

  override createConnection(options: RequestOptions, callback?: (error: Error | null, socket: Duplex) => void): Duplex | undefined {
    const socket: TLSSocket = connect({ ...(options as ConnectionOptions), rejectUnauthorized: false });
    const fail = (error: Error): void => {
      socket.destroy();
      callback?.(error, socket);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      const presented = normalize(socket.getPeerCertificate().fingerprint256 ?? '');
      if (presented !== this.fingerprint) {
        fail(
          new CertificateMismatchError(
            `the server's certificate (SHA-256 ${presented.slice(0, 16)}...) is not ${this.pinnedBy} (${this.fingerprint.slice(0, 16)}...)`,
          ),
        );
        return;
      }
      callback?.(null, socket);
    });
    return undefined;
  }
}
