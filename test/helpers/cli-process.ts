import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export const CLI_PATH = resolve('dist/src/cli/main.js');

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the server URL once the start-up log line appears. */
  listening(timeoutMs?: number): Promise<string>;
  /** Resolves once the stream's output matches; rejects after the timeout or if the process exits first. */
  output(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal name). */
  exited(): Promise<number | string>;
}

/** The command line that runs node, inside a test-made network namespace when one is given. */
export function nodeCommand(netns?: string): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, process.execPath]] : [process.execPath, []];
}

/**
 * Runs the built `mcp-memory` CLI as a real child process with only the given MCP_* settings.
 * mDNS stays off unless the caller turns it on, which it may only do inside its own namespace.
 */
export function spawnCli(args: string[], env: Record<string, string>, netns?: string): CliProcess {
  const [command, prefix] = nodeCommand(netns);
  return spawnWatched(command, [...prefix, CLI_PATH, ...args], env);
}

/** Any command (e.g. an installed `mcp-memory`) run and watched as spawnCli does, mDNS off unless env says otherwise. */
export function spawnWatched(command: string, args: string[], env: Record<string, string>, cwd?: string): CliProcess {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MCP_MDNS_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    output: (stream, pattern, timeoutMs = 120_000) =>
      new Promise((resolveMatch, reject) => {
        const source = stream === 'stdout' ? child.stdout! : child.stderr!;
        const text = (): string => (stream === 'stdout' ? out : err);
        const timer = setTimeout(() => reject(new Error(`${pattern} did not appear on ${stream} in ${timeoutMs} ms: ${text()}`)), timeoutMs);
        const check = (): void => {
          if (!pattern.test(text())) return;
          clearTimeout(timer);
          source.off('data', check);
          resolveMatch();
        };
        source.on('data', check);
        void exit.then((code) => {
          if (pattern.test(text())) return;
          clearTimeout(timer);
          reject(new Error(`exited with ${code} before ${pattern} appeared; ${stream}: ${text()}`));
        });
        check();
      }),
    // Generous: start-up loads the model and may share two cores with a whole test suite.
    listening: (timeoutMs = 120_000) =>
      new Promise((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start-up line in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
        const check = (): void => {
          const match = /listening on (https?:\/\/[^\s"]+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            child.stdout!.off('data', check);
            resolveUrl(match[1]!);
          }
        };
        child.stdout!.on('data', check);
        void exit.then((code) => {
          clearTimeout(timer);
          reject(new Error(`exited with ${code} before listening; stderr: ${err}`));
        });
        check();
      }),
  };
}
