import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT, RUNS_FROM_CHECKOUT } from '../config/installation.js';
import type { AppConfig } from '../config/app-config.js';

/** What `mcp-memory config` prints a configuration for. */
export const CONFIG_TARGETS = ['claude-desktop', 'claude-code', 'vscode', 'cursor', 'systemd', 'compose'] as const;
export type ConfigTarget = (typeof CONFIG_TARGETS)[number];

/** How an MCP client reaches memories: this machine's database file (stdio), a server through the stdio bridge, or a server's /mcp directly. */
export const CONFIG_MODES = ['local', 'bridge', 'http'] as const;
export type ConfigMode = (typeof CONFIG_MODES)[number];

export interface ConfigOptions {
  mode: ConfigMode;
  /** The server's base URL (bridge and http modes). */
  url: string | null;
}

const KEY_PLACEHOLDER = '<your-api-key>';

/** This installation: the Node running now and the CLI it runs, both absolute, symbolic links resolved. */
function installation(): { node: string; cli: string; root: string } {
  const cli = realpathSync(fileURLToPath(new URL('./main.js', import.meta.url)));
  return { node: realpathSync(process.execPath), cli, root: realpathSync(PACKAGE_ROOT) };
}

/**
 * A ready configuration for one client or service manager, with the absolute paths of the Node
 * and the CLI in use: a client that starts `node` from its own PATH may find an older one (the
 * system's), which cannot run this service.
 */
export function clientConfiguration(target: ConfigTarget, config: AppConfig, options: ConfigOptions): string {
  const { node, cli, root } = installation();
  const url = (
    options.url ?? `http://${config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host}:${config.http.port}`
  ).replace(/\/+$/u, '');
  if (target === 'systemd') return systemdUnit(node, cli, root);
  if (target === 'compose') return composeFile(root);
  const mode = options.mode;
  const stdio = {
    command: node,
    args: [cli, mode === 'local' ? 'mcp' : 'bridge'],
    env:
      mode === 'local'
        ? { MCP_MEMORY_SQLITE_PATH: config.storage.sqlitePath, LOG_LEVEL: 'warn' }
        : { MCP_MEMORY_HTTP_ENDPOINT: `${url}/api`, MCP_MEMORY_API_KEY: KEY_PLACEHOLDER },
  };
  const http = { url: `${url}/mcp`, headers: { Authorization: `Bearer ${KEY_PLACEHOLDER}` } };
  const server =
    target === 'vscode' || target === 'claude-code'
      ? mode === 'http'
        ? { type: 'http', ...http }
        : { type: 'stdio', ...stdio }
      : mode === 'http'
        ? http
        : stdio;
  const document = target === 'vscode' ? { servers: { memory: server } } : { mcpServers: { memory: server } };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * The shipped unit (config/systemd/mcp-memory.service) with this installation's Node, CLI and
 * folder. A Node or checkout under a home directory (nvm, a clone in ~) must stay readable to the
 * service: ProtectHome becomes read-only instead of hiding every home.
 */
function systemdUnit(node: string, cli: string, root: string): string {
  const underHome = [node, cli].some((path) => /^\/(home|root)\//u.test(path));
  const unit = readFileSync(join(root, 'config', 'systemd', 'mcp-memory.service'), 'utf8')
    .replace(/^WorkingDirectory=.*$/mu, `WorkingDirectory=${root}`)
    .replace(/^ExecStart=.*$/mu, `ExecStart=${node} ${cli} serve`);
  return underHome
    ? unit.replace(/^ProtectHome=true$/mu, '# Node or the service lives under a home directory: readable, not writable.\nProtectHome=read-only')
    : unit;
}

/**
 * The shipped compose.yaml: a checkout builds its image from the checkout's folder; an installed
 * package has no sources to build from and runs the image that scripts/docker-build.sh makes.
 */
function composeFile(root: string): string {
  const shipped = readFileSync(join(root, 'compose.yaml'), 'utf8');
  return RUNS_FROM_CHECKOUT ? shipped.replace(/^ {4}build: \.$/mu, `    build: ${JSON.stringify(root)}`) : shipped.replace(/^ {4}build: \.\n/mu, '');
}
