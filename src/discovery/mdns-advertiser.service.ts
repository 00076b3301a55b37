import ciao, { type CiaoService, type Responder } from '@homebridge/ciao';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { networkInterfaces } from 'node:os';
import { SERVICE_VERSION } from '../common/package-info.js';
import { type AppConfig, isLoopbackHost } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { parseServiceType } from './service-type.js';

/**
 * Why multicast cannot work here, or null: the named interface must exist with an address; without
 * a name, some interface other than loopback must have one.
 */
function missingInterface(name: string | null): string | null {
  const interfaces = Object.entries(networkInterfaces()).filter(([, addresses]) => (addresses ?? []).length > 0);
  if (name !== null) {
    const found = interfaces.some(([ifname, addresses]) => ifname === name || (addresses ?? []).some((a) => a.address === name));
    return found ? null : `interface ${name} (MCP_MDNS_INTERFACE) has no address`;
  }
  return interfaces.some(([, addresses]) => (addresses ?? []).some((a) => !a.internal)) ? null : 'no network interface besides loopback is up';
}

/** Whether the interface named for mDNS is a loopback one (advertising there reaches this machine only). */
function isLoopbackInterface(name: string | null): boolean {
  if (name === null) return false;
  return Object.entries(networkInterfaces()).some(
    ([ifname, addresses]) => (ifname === name || (addresses ?? []).some((a) => a.address === name)) && (addresses ?? []).every((a) => a.internal),
  );
}

/** How long the first announcement may take before discovery is declared unavailable. */
const ADVERTISE_TIMEOUT_MS = 10_000;

/**
 * Advertises this server on the LAN as `_mcp-memory._tcp` (DNS-SD over mDNS). Where multicast is
 * unavailable it logs one warning and the server runs on; the key is never advertised.
 */
@Injectable()
export class MdnsAdvertiser implements OnModuleDestroy {
  private readonly logger = new Logger('Discovery');
  private responder: Responder | null = null;
  private service: CiaoService | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Returns whether the advertisement is running. `certificateSha256` (HTTPS) is published so a
   * client that discovers this server can pin exactly its certificate.
   */
  async advertise(port: number, https: boolean, certificateSha256: string | null = null): Promise<boolean> {
    const { mdns } = this.config;
    if (!mdns.enabled) return false;
    if (isLoopbackHost(this.config.http.host) && !isLoopbackInterface(mdns.interface)) {
      this.logger.warn(
        `mDNS service advertisement skipped: the server listens on ${this.config.http.host}, which no other machine can reach; ` +
          'set MCP_HTTP_HOST=0.0.0.0 (with MCP_API_KEY) to be discoverable on the LAN',
      );
      return false;
    }
    try {
      const missing = missingInterface(mdns.interface);
      if (missing !== null) throw new Error(missing);
      const type = parseServiceType(mdns.serviceType);
      this.responder = ciao.getResponder(mdns.interface === null ? undefined : { interface: mdns.interface });
      this.service = this.responder.createService({
        name: mdns.serviceName,
        type: type.name,
        protocol: type.protocol as never,
        port,
        // The deployment guide's property names (api_version, https, auth_required, api_path,
        // sse_path, docs_path) and this project's shorter ones; never the key.
        txt: {
          api_version: '1',
          version: SERVICE_VERSION,
          https: String(https),
          auth: String(this.config.auth.apiKeys.length > 0),
          auth_required: String(this.config.auth.apiKeys.length > 0),
          path: '/api',
          api_path: '/api',
          sse_path: '/api/events',
          docs_path: '/api/docs',
          ...(certificateSha256 === null ? {} : { cert_sha256: certificateSha256 }),
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.service.advertise(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer from the network')), ADVERTISE_TIMEOUT_MS))),
      ]).finally(() => clearTimeout(timer));
      this.logger.log({
        msg: 'mDNS service advertisement started',
        service: mdns.serviceName,
        type: mdns.serviceType,
        port,
        interface: mdns.interface ?? 'all',
      });
      return true;
    } catch (error) {
      this.logger.warn(`mDNS advertisement unavailable (${(error as Error).message}); the server runs without it`);
      await this.stop();
      return false;
    }
  }

  /** Sends the goodbye packets so clients forget this server at once. */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private async stop(): Promise<void> {
    const service = this.service;
    const responder = this.responder;
    this.service = null;
    this.responder = null;
    await service?.end().catch(() => undefined);
    await responder?.shutdown().catch(() => undefined);
  }
}
