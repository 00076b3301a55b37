import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { type Caller, EVERY_SPACE, LOCAL_CALLER, type SpaceAccess } from '../../spaces/space-access.js';
import { toolErrorMessage } from './tool-errors.js';

/** One tool: its arguments as a zod object (unknown arguments are dropped, as upstream ignores them). */
export interface ToolDefinition<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: Input;
  annotations?: Tool['annotations'];
  /** Called with the arguments as the schema parsed them (null arguments count as not given). */
  run(args: z.infer<Input>, caller: ToolCaller): Promise<CallToolResult>;
}

/** A tool whose run() gets its arguments typed from its own schema. */
export const defineTool = <Input extends z.ZodObject>(tool: ToolDefinition<Input>): ToolDefinition => tool as unknown as ToolDefinition;

/** Who calls a tool: over HTTP, the key it came with (its label and spaces); on stdio, the local user (every space). */
export type ToolCaller = Caller;

function toolCaller(auth: AuthInfo | undefined): ToolCaller {
  if (auth === undefined) return LOCAL_CALLER;
  const spaces = (auth.extra?.spaces as SpaceAccess | undefined) ?? EVERY_SPACE;
  return { actor: auth.extra?.labelled === true ? auth.clientId : null, label: auth.clientId, spaces };
}

/** An old tool name, accepted (not listed): its arguments are translated for the tool that replaced it. */
export interface ToolAlias {
  name: string;
  target: string;
  translate(args: Record<string, unknown>): Record<string, unknown>;
}

export function toolText(text: string, structured?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], ...(structured === undefined ? {} : { structuredContent: structured }) };
}

/** A failure the model can read; the text starts with "Error:" as upstream's do. */
export function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message.startsWith('Error') ? message : `Error: ${message}` }] };
}

function inputSchemaOf(input: z.ZodObject): Tool['inputSchema'] {
  const { $schema: _schema, ...schema } = z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, type: 'object' } as Tool['inputSchema'];
}

/** What zod found wrong, without echoing the values. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'arguments'}: ${issue.message}`)
    .join('; ');
}

export interface ToolSurface {
  tools: readonly ToolDefinition[];
  aliases: readonly ToolAlias[];
  /** Upstream names this server does not offer, with the reason given to a caller. */
  unsupported: ReadonlyMap<string, string>;
  /** Told when a deprecated name is used (upstream logs a warning). */
  onDeprecated?: (oldName: string, newName: string) => void;
}

// Over HTTP the key's scopes come with each request: a read-only tool needs read, any other write.
// Without them (stdio: the local user's own file) every tool is offered.
const scopeNeeded = (tool: ToolDefinition): string => (tool.annotations?.readOnlyHint === true ? 'read' : 'write');
const allowed = (tool: ToolDefinition, scopes: readonly string[] | undefined): boolean => scopes === undefined || scopes.includes(scopeNeeded(tool));

/** The tools as tools/list shows them to a caller with these scopes (none: every tool). */
export function listTools(tools: readonly ToolDefinition[], scopes: readonly string[] | undefined): Tool[] {
  return tools
    .filter((tool) => allowed(tool, scopes))
    .map((tool): Tool => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: inputSchemaOf(tool.input),
      ...(tool.annotations ? { annotations: { title: tool.title, ...tool.annotations } } : {}),
    }));
}

/**
 * Serves a tool surface on a low-level MCP server: tools/list shows the current tools only;
 * tools/call also accepts the old names (translated) and answers upstream's other names with a
 * tool error that says they are not offered. Every failure is a tool error, never a protocol one.
 */
export function serveTools(server: Server, surface: ToolSurface): void {
  const byName = new Map(surface.tools.map((tool) => [tool.name, tool]));
  const aliases = new Map(surface.aliases.map((alias) => [alias.name, alias]));
  server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => ({ tools: listTools(surface.tools, extra.authInfo?.scopes) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    let name = request.params.name;
    // A null argument means "not given", as upstream's tools read it.
    let args: Record<string, unknown> = Object.fromEntries(Object.entries(request.params.arguments ?? {}).filter(([, v]) => v !== null));
    const alias = aliases.get(name);
    try {
      if (alias) {
        surface.onDeprecated?.(alias.name, alias.target);
        args = alias.translate(args);
        name = alias.target;
      }
      const reason = surface.unsupported.get(name);
      if (reason !== undefined) return toolError(reason);
      const tool = byName.get(name);
      if (!tool) return toolError(`Unknown tool "${name.slice(0, 64)}"; see tools/list`);
      if (!allowed(tool, extra.authInfo?.scopes))
        return toolError(`The key "${extra.authInfo!.clientId}" lacks the ${scopeNeeded(tool)} scope that ${tool.name} needs`);
      const parsed = tool.input.safeParse(args);
      if (!parsed.success) return toolError(`Invalid arguments for ${alias ? `${alias.name} (${tool.name})` : tool.name}: ${describeIssues(parsed.error)}`);
      return await tool.run(parsed.data, toolCaller(extra.authInfo));
    } catch (error) {
      return toolError(toolErrorMessage(error));
    }
  });
}
