import { Logger } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SERVICE_VERSION } from '../common/package-info.js';
import type { MemoryToolBackend } from './memory-tool-backend.js';
import { DEPRECATED_ALIASES, UNSUPPORTED_TOOLS } from './tools/deprecated-tools.js';
import { memoryTools } from './tools/memory-tools.js';
import { serveTools } from './tools/tool-registry.js';

export const MCP_SERVER_NAME = 'mcp-memory-service';

const logger = new Logger('MCP');

/**
 * A fresh MCP server with upstream's current memory_* tools (its deprecated names accepted too),
 * and the logging capability for change notifications.
 */
export function createMcpServer(backend: MemoryToolBackend): Server {
  const server = new Server(
    { name: MCP_SERVER_NAME, version: SERVICE_VERSION },
    {
      capabilities: { tools: {}, logging: {} },
      instructions:
        'Long-term memory shared by many clients. memory_store saves text (tags and type in metadata); memory_search finds it by words and ' +
        'meaning, time ("last week") and tags; memory_list pages through it; memory_update and memory_delete change or remove it.',
    },
  );
  serveTools(server, {
    tools: memoryTools(backend),
    aliases: DEPRECATED_ALIASES,
    unsupported: UNSUPPORTED_TOOLS,
    onDeprecated: (oldName, newName) => logger.warn({ msg: 'Deprecated tool name used', tool: oldName, use_instead: newName }),
  });
  return server;
}
