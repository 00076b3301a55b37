import { z } from 'zod';
import type { MemoryResponse } from '../../memories/dto/memory.response.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { contentHashArgument, countArgument, queryArgument, storeArgument } from './tool-arguments.js';
import { defineTool, type ToolCaller, type ToolDefinition, toolError, toolText } from './tool-registry.js';

/** upstream's type for mistake notes, and the tag they carry here (searches filter by it). */
export const MISTAKE = 'mistake';
const FIELD = z.string().min(1).max(2_000);

export interface MistakeFields {
  error_pattern: string;
  context_signature: string;
  incorrect_action: string;
  correct_action: string;
}

const FIELD_NAMES = ['error_pattern', 'context_signature', 'incorrect_action', 'correct_action'] as const;

/** The note as one searchable text: what went wrong, where, and what to do instead. */
const noteText = (note: MistakeFields): string =>
  `Mistake: ${note.error_pattern}\nContext: ${note.context_signature}\nWrong: ${note.incorrect_action}\nRight: ${note.correct_action}`;

export const fieldsOf = (memory: MemoryResponse): MistakeFields | null => {
  const values = FIELD_NAMES.map((name) => memory.metadata[name]);
  if (memory.memory_type !== MISTAKE || !values.every((v) => typeof v === 'string')) return null;
  return Object.fromEntries(FIELD_NAMES.map((name, i) => [name, values[i]])) as unknown as MistakeFields;
};

export const failuresOf = (memory: MemoryResponse): number => (typeof memory.metadata.failure_count === 'number' ? memory.metadata.failure_count : 1);

/** A mistake note of the caller's, or the tool error that says why not. */
async function mistakeNote(backend: MemoryToolBackend, hash: string, caller: ToolCaller, store?: string): Promise<MemoryResponse | string> {
  const memory = await backend.get(hash, caller, store);
  if (memory === null) return `Error: Memory with hash ${hash} not found`;
  if (fieldsOf(memory) === null) return `Error: ${hash} is not a mistake note (memory_type "${memory.memory_type ?? 'none'}")`;
  return memory;
}

/**
 * Stores a mistake note, or counts one more failure when the same note is already there (the
 * text is the note, so the same four fields are the same memory). A tool error's text when the
 * hash belongs to something else.
 */
export async function recordMistake(
  backend: MemoryToolBackend,
  note: MistakeFields,
  caller: ToolCaller,
  store?: string,
  agentId?: string,
): Promise<{ content_hash: string; failure_count: number } | string> {
  const stored = await backend.store(
    {
      content: noteText(note),
      tags: [MISTAKE],
      memory_type: MISTAKE,
      metadata: { ...note, failure_count: 1 },
      space: store ?? null,
      agent_id: agentId ?? null,
    },
    caller,
  );
  if (stored.success) return { content_hash: stored.content_hash, failure_count: 1 };
  const existing = await mistakeNote(backend, stored.content_hash, caller, store);
  if (typeof existing === 'string') return existing;
  const failures = failuresOf(existing) + 1;
  await backend.update(stored.content_hash, { metadata: { failure_count: failures }, space: existing.space }, caller);
  return { content_hash: stored.content_hash, failure_count: failures };
}

/**
 * upstream's mistake notes: what went wrong, in which context, the wrong action and the right one,
 * stored as memories of type "mistake" (tag mistake) so an agent can look up its past errors
 * before repeating them. No language model is involved.
 */
export function mistakeNoteTools(backend: MemoryToolBackend): ToolDefinition[] {
  const add = defineTool({
    name: 'mistake_note_add',
    title: 'Add Mistake Note',
    description:
      'Record a mistake so it is not repeated: error_pattern (what went wrong), context_signature (where), incorrect_action and correct_action. The same note again counts one more failure.',
    input: z.object({ error_pattern: FIELD, context_signature: FIELD, incorrect_action: FIELD, correct_action: FIELD, store: storeArgument }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, caller) {
      const recorded = await recordMistake(
        backend,
        {
          error_pattern: args.error_pattern,
          context_signature: args.context_signature,
          incorrect_action: args.incorrect_action,
          correct_action: args.correct_action,
        },
        caller,
        args.store,
      );
      if (typeof recorded === 'string') return toolError(recorded);
      const text =
        recorded.failure_count === 1
          ? `Mistake note stored (hash: ${recorded.content_hash})`
          : `Mistake note already recorded (hash: ${recorded.content_hash}); failure_count is now ${recorded.failure_count}`;
      return toolText(text, { success: true, ...recorded });
    },
  });

  const search = defineTool({
    name: 'mistake_note_search',
    title: 'Search Mistake Notes',
    description: 'Find recorded mistakes by meaning (describe the situation or the error): each with its wrong and right action.',
    input: z.object({ query: queryArgument.min(1), limit: countArgument(100).optional(), store: storeArgument }),
    annotations: { readOnlyHint: true },
    async run(args, caller) {
      const answer = await backend.search(
        { query: args.query, mode: 'semantic', n_results: args.limit ?? 5, tags: [MISTAKE], space: args.store ?? null },
        caller,
      );
      const notes = answer.results
        .map((r) => ({ memory: r.memory, fields: fieldsOf(r.memory), similarity: r.similarity_score }))
        .filter((n): n is { memory: MemoryResponse; fields: MistakeFields; similarity: number } => n.fields !== null)
        .map(({ memory, fields, similarity }) => ({ content_hash: memory.content_hash, ...fields, failure_count: failuresOf(memory), similarity }));
      if (notes.length === 0) return toolText('No mistake notes found', { notes: [], total_found: 0 });
      const lines = notes.map(
        (n, i) =>
          `${i + 1}. ${n.error_pattern} (failures: ${n.failure_count}, similarity ${n.similarity.toFixed(2)})\n   context: ${n.context_signature}\n   wrong: ${n.incorrect_action}\n   right: ${n.correct_action}\n   hash: ${n.content_hash}`,
      );
      return toolText(`Found ${notes.length} mistake notes:\n\n${lines.join('\n')}`, { notes, total_found: notes.length });
    },
  });

  const update = defineTool({
    name: 'mistake_note_update',
    title: 'Update Mistake Note',
    description:
      'Change a mistake note: failure_count in place; a new error_pattern, context_signature, incorrect_action or correct_action changes its text, so it becomes a new version (a new hash; the old one stays in memory_history).',
    input: z.object({
      content_hash: contentHashArgument,
      failure_count: z.number().int().min(0).max(1_000_000).optional(),
      error_pattern: FIELD.optional(),
      context_signature: FIELD.optional(),
      incorrect_action: FIELD.optional(),
      correct_action: FIELD.optional(),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, caller) {
      const hash = args.content_hash.toLowerCase();
      const current = await mistakeNote(backend, hash, caller, args.store);
      if (typeof current === 'string') return toolError(current);
      const fields = fieldsOf(current)!;
      const next = Object.fromEntries(FIELD_NAMES.map((name) => [name, args[name] ?? fields[name]])) as unknown as MistakeFields;
      const failures = args.failure_count ?? failuresOf(current);
      if (FIELD_NAMES.every((name) => next[name] === fields[name])) {
        if (args.failure_count === undefined) return toolError('Error: give failure_count or a field to change');
        await backend.update(hash, { metadata: { failure_count: failures }, space: current.space }, caller);
        return toolText(`Mistake note updated (hash: ${hash}); failure_count is ${failures}`, { success: true, content_hash: hash, failure_count: failures });
      }
      const { memory } = await backend.newVersion(
        hash,
        { content: noteText(next), reason: 'mistake note updated', metadata: { ...next, failure_count: failures }, space: current.space },
        caller,
      );
      return toolText(`Mistake note updated: new hash ${memory.content_hash} (the previous version is kept in its history)`, {
        success: true,
        content_hash: memory.content_hash,
        previous_hash: hash,
        failure_count: failures,
      });
    },
  });

  const remove = defineTool({
    name: 'mistake_note_delete',
    title: 'Delete Mistake Note',
    description: 'Delete a mistake note (only memories of type mistake).',
    input: z.object({ content_hash: contentHashArgument, store: storeArgument }),
    annotations: { readOnlyHint: false, destructiveHint: true },
    async run(args, caller) {
      const hash = args.content_hash.toLowerCase();
      const current = await mistakeNote(backend, hash, caller, args.store);
      if (typeof current === 'string') return toolError(current);
      await backend.delete(hash, caller, current.space);
      return toolText(`Mistake note ${hash} deleted`, { success: true, content_hash: hash });
    },
  });

  return [add, search, update, remove];
}
