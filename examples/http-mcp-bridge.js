#!/usr/bin/env node
/**
 * The deployment guide's bridge, at the path its Claude Desktop configurations use:
 *
 *   "memory": {
 *     "command": "node",
 *     "args": ["/path/to/mcp-memory-service/examples/http-mcp-bridge.js"],
 *     "env": {
 *       "MCP_MEMORY_HTTP_ENDPOINT": "https://memory-server:8443/api",
 *       "MCP_MEMORY_API_KEY": "your-api-key",
 *       "MCP_MEMORY_AUTO_DISCOVER": "true",
 *       "MCP_MEMORY_PREFER_HTTPS": "true"
 *     }
 *   }
 *
 * It starts this project's bridge (`mcp-memory bridge`): a stdio MCP server forwarding every tool
 * call to the server's REST API, with the same environment variables. `npm install` builds it.
 */
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(`The bridge is not built yet: run "npm install" in ${new URL('..', import.meta.url).pathname}\n`);
  process.exit(1);
}
process.argv.splice(2, 0, 'bridge');
await import(cli.href);
