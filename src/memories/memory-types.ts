/**
 * upstream's memory type vocabulary (its ontology's 12 base types and the subtypes its tool schema
 * names). Upstream coerces an unknown type to "observation"; this server keeps any type as sent, so
 * the vocabulary is a suggestion for clients that offer a choice, not a rule.
 */
export const UPSTREAM_MEMORY_TYPES: readonly string[] = [
  'observation',
  'decision',
  'learning',
  'error',
  'pattern',
  'planning',
  'ceremony',
  'milestone',
  'stakeholder',
  'meeting',
  'research',
  'communication',
  'note',
  'reference',
  'code_edit',
  'command',
  'document',
  'insight',
  'gotcha',
  'bug',
  'action_item',
  'finding',
];
