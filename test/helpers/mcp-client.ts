import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI_PATH } from './cli-process.js';

/** The official SDK client driving `mcp-memory <command>` as a child process over stdio. */
export interface StdioConnection {
  client: Client;
  /** What the server process wrote to stderr so far. */
  stderr(): string;
}

export async function connectStdio(command: 'mcp' | 'bridge', env: Record<string, string>): Promise<Client> {
  return (await connectStdioWithStderr(command, env)).client;
}

export async function connectStdioWithStderr(command: 'mcp' | 'bridge', env: Record<string, string>): Promise<StdioConnection> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI_PATH, command],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MCP_MDNS_ENABLED: 'false', LOG_LEVEL: 'warn', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'mcp-memory-tests', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
