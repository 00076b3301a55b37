import { z } from 'zod';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import type { MemoryResponse } from '../../memories/dto/memory.response.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { failuresOf, fieldsOf, MISTAKE, recordMistake } from './mistake-notes.tool.js';
import { storeArgument } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';

/** Tags upstream gives what a session leaves behind; the profile reads them back. */
const SESSION_LEGACY = 'session-legacy';
const USER_CORRECTION = 'user-correction';
const DECISION = 'decision';
const OBSERVATION = 'observation';

const TEXT = z.string().max(2_000);
const items = <T extends z.ZodRawShape>(shape: T) => z.array(z.looseObject(shape)).max(100).optional();
const agentId = z.string().min(1).max(INPUT_LIMITS.agentIdLength);

/** Entries per section of a profile (each list read once). */
const PROFILE_ENTRIES = 50;
/** upstream's rough conversion of a token budget to characters. */
const CHARS_PER_TOKEN = 4;

const clean = (text: unknown): string => (typeof text === 'string' ? text.trim() : '');

/**
 * upstream's end-of-session record and the profile built from such records, without a language
 * model: commit_session_legacy stores what a session decided, got wrong and was corrected on as
 * memories of the agent; get_bootstrap_profile reads them back as rules for the agent's next
 * session; get_onboarding_guide says how a client uses both.
 */
export function agentSessionTools(backend: MemoryToolBackend): ToolDefinition[] {
  const commit = defineTool({
    name: 'commit_session_legacy',
    title: 'Commit Session Legacy',
    description:
      'At the end of a session, record what it left behind: the task and its outcome (one observation tagged session-legacy), decisions ({what, why}: observations tagged decision), errors ({error, tool, resolution}: mistake notes) and user corrections ({original, corrected_to}: observations tagged user-correction), all attributed to agent_id. get_bootstrap_profile reads them back.',
    input: z.object({
      session_id: z.string().min(1).max(200),
      agent_id: agentId,
      task_summary: z.string().min(1).max(2_000),
      outcome: z.enum(['success', 'partial', 'failure']),
      decisions: items({ what: TEXT.optional(), why: TEXT.optional() }),
      errors: items({ error: TEXT.optional(), tool: TEXT.optional(), resolution: TEXT.optional() }),
      user_corrections: items({ original: TEXT.optional(), corrected_to: TEXT.optional() }),
      belief_updates: z.array(z.unknown()).max(100).optional(),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, caller) {
      const provenance = { session_id: args.session_id, agent_id: args.agent_id, source: OBSERVATION };
      let observations = 0;
      const observe = async (content: string, tags: string[], observationType: string, extra: Record<string, unknown> = {}): Promise<void> => {
        const stored = await backend.store(
          {
            content,
            tags,
            memory_type: OBSERVATION,
            metadata: { observation_type: observationType, ...provenance, ...extra },
            agent_id: args.agent_id,
            space: args.store ?? null,
          },
          caller,
        );
        if (stored.success) observations += 1;
      };
      await observe(
        `Session: ${args.session_id} | Agent: ${args.agent_id} | Task: ${args.task_summary} | Outcome: ${args.outcome}`,
        [SESSION_LEGACY],
        'session_legacy',
        { outcome: args.outcome },
      );
      for (const correction of args.user_corrections ?? []) {
        const [original, corrected] = [clean(correction.original), clean(correction.corrected_to)];
        if (original || corrected) await observe(`User corrected: ${original} → ${corrected}`, [USER_CORRECTION, 'high-priority'], 'user_correction');
      }
      for (const decision of args.decisions ?? []) {
        const [what, why] = [clean(decision.what), clean(decision.why)];
        if (what) await observe(`Decision: ${what} — Reason: ${why || 'not given'}`, [DECISION], 'decision');
      }
      let mistakes = 0;
      for (const error of args.errors ?? []) {
        const what = clean(error.error);
        if (!what) continue;
        const note = {
          error_pattern: what,
          context_signature: clean(error.tool) || 'unknown',
          incorrect_action: what,
          correct_action: clean(error.resolution) || 'not recorded',
        };
        if (typeof (await recordMistake(backend, note, caller, args.store, args.agent_id)) !== 'string') mistakes += 1;
      }
      const result = {
        status: 'recorded',
        observations_created: observations,
        mistake_notes_updated: mistakes,
        // Beliefs are upstream's optional model-backed layer; none are kept here.
        belief_updates_ignored: args.belief_updates?.length ?? 0,
      };
      return toolText(JSON.stringify(result), result);
    },
  });

  const profile = defineTool({
    name: 'get_bootstrap_profile',
    title: 'Get Bootstrap Profile',
    description:
      "Rules for an agent's next session from what its earlier sessions recorded: mistakes to avoid (mistake notes, most repeated first), preferences (user corrections) and conventions (decisions), within a token budget.",
    input: z.object({
      agent_ids: z.array(agentId).min(1).max(20),
      project_id: z.string().max(200).optional(),
      task_summary: z.string().max(2_000).optional(),
      max_tokens: z.number().int().min(64).max(32_768).optional(),
      budget_tokens: z.number().int().min(64).max(32_768).optional(),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: true },
    async run(args, caller) {
      const agents = new Set(args.agent_ids);
      const space = args.store ?? null;
      const tagged = async (tag: string, agent: string): Promise<MemoryResponse[]> =>
        (await backend.list({ page: 1, page_size: PROFILE_ENTRIES, tags: [tag], agent_id: agent, space }, caller)).memories;
      const byAgent = async (tag: string): Promise<string[]> => {
        const lists = await Promise.all(args.agent_ids.map((agent) => tagged(tag, agent)));
        return [...new Set(lists.flat().map((memory) => `- ${memory.content}`))];
      };
      const mistakes = (await backend.list({ page: 1, page_size: PROFILE_ENTRIES, tags: [MISTAKE], memory_type: MISTAKE, space }, caller)).memories
        // A note without an agent was recorded for everyone (mistake_note_add has no agent).
        .filter((memory) => typeof memory.metadata.agent_id !== 'string' || agents.has(memory.metadata.agent_id))
        .flatMap((memory) => {
          const fields = fieldsOf(memory);
          return fields ? [{ fields, failures: failuresOf(memory) }] : [];
        })
        .sort((a, b) => b.failures - a.failures)
        .map(({ fields, failures }) => `- ⚠️ ${fields.error_pattern} (${fields.context_signature}): do ${fields.correct_action} [errors: ${failures}]`);
      const sections: [string, string[]][] = [
        ['AVOID (recorded mistakes)', mistakes],
        ['PREFERENCES (user corrections)', await byAgent(USER_CORRECTION)],
        ['CONVENTIONS (decisions)', await byAgent(DECISION)],
      ];
      const body = sections
        .filter(([, entries]) => entries.length > 0)
        .map(([title, entries]) => `## ${title}\n${entries.join('\n')}`)
        .join('\n\n');
      const budget = (args.budget_tokens ?? args.max_tokens ?? 2_048) * CHARS_PER_TOKEN;
      // Cut at a whole entry: no rule reaches the agent half-said.
      const cut = body.lastIndexOf('\n', budget);
      const fitted = body.length > budget ? `${body.slice(0, cut > 0 ? cut : budget)}\n... (truncated to token budget)` : body;
      const text = `=== BEHAVIORAL PROFILE (v1) ===\nAgents: ${args.agent_ids.join(', ')}\n\n${fitted || 'No data available yet.'}\n=== END PROFILE ===`;
      return toolText(text, {
        agent_ids: args.agent_ids,
        entries: Object.fromEntries(sections.map(([title, entries]) => [title.split(' ')[0]!.toLowerCase(), entries.length])),
      });
    },
  });

  const guide = defineTool({
    name: 'get_onboarding_guide',
    title: 'Get Onboarding Guide',
    description:
      'How a client uses this memory service over a session: what to call at its start, during it and at its end (client_type: generic, kiro, claude-code).',
    input: z.object({ client_type: z.string().max(40).optional() }),
    annotations: { readOnlyHint: true },
    async run(args) {
      return toolText(onboardingGuide(args.client_type ?? 'generic'));
    },
  });

  return [commit, profile, guide];
}

const CLIENT_NAMES: Record<string, string> = { kiro: 'Kiro CLI', 'claude-code': 'Claude Code' };

/** The guide for a client: the same steps, under the client's own agent id. */
export function onboardingGuide(clientType: string): string {
  const client = CLIENT_NAMES[clientType];
  const agent = client ? clientType : 'your_agent_id';
  return `## Integration Guide: mcp-memory-service${client ? ` → ${client}` : ''}

### On session start:
1. \`get_bootstrap_profile(agent_ids=["${agent}"])\`: rules from earlier sessions (mistakes to avoid, user corrections, decisions). Follow them.
2. \`mistake_note_search(query="<task context>")\`: known pitfalls for this task.
3. \`memory_search(query="<task context>")\`: what the team already knows (mode hybrid by default; \`ranked\` adds recency and use).

### During the session:
- \`memory_store\`: decisions, facts and references worth keeping, with tags and a memory_type in metadata, and \`agent_id="${agent}"\`.
- \`mistake_note_add\`: an error and what to do instead ({error_pattern, context_signature, incorrect_action, correct_action}).
- \`memory_update\` with \`versioned=true\` when a fact changes (the old one stays in \`memory_history\`).

### On session end:
1. \`commit_session_legacy\` with session_id, agent_id="${agent}", task_summary, outcome (success, partial or failure), decisions ({what, why}), errors ({error, tool, resolution}) and user_corrections ({original, corrected_to}). The next \`get_bootstrap_profile\` reads them back.
2. \`memory_store_session\` to keep the conversation itself, when it matters.

### What this server does not do:
No language model runs here: nothing is harvested, distilled or rated in the background; the profile is built from what sessions recorded.
`;
}
