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
  /** Resolves with the exit code (or signal name). */
  exited(): Promise<number | string>;
}

/** Runs the built `mcp-memory` CLI as a real child process with only the given MCP_* settings. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MCP_MDNS_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
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
    listening: (timeoutMs = 30_000) =>
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
