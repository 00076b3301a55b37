import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SERVICE_VERSION } from '../common/package-info.js';
import type { MemoryToolBackend } from './memory-tool-backend.js';
import { registerMemoryTools } from './memory-tools.js';

export const MCP_SERVER_NAME = 'mcp-memory-service';

/** A fresh MCP server with the memory tools; logging capability for change notifications. */
export function createMcpServer(backend: MemoryToolBackend): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: SERVICE_VERSION },
    {
      capabilities: { logging: {} },
      instructions:
        'Long-term semantic memory shared by many clients. store_memory saves text; retrieve_memory finds it by meaning; ' +
        'search_by_tag and recall_memory (natural-language time) narrow it down; delete_memory removes one by hash.',
    },
  );
  registerMemoryTools(server, backend);
  return server;
}
