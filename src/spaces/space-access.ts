import { InvalidInputError, SpaceForbiddenError } from '../common/domain-errors.js';
import { DEFAULT_SPACE } from '../storage/memory.js';

/**
 * Which spaces a caller may use. A key of the keys file that names spaces gets exactly those
 * (writing a space implies reading it) plus its personal space; every other caller (MCP_API_KEY,
 * keyless loopback, a key that names none, the local stdio user) may use every space, as before
 * spaces existed.
 */
export interface SpaceAccess {
  /** Spaces it may read, the default first; null: every space. */
  readonly read: readonly string[] | null;
  /** Spaces it may write; null: every space. */
  readonly write: readonly string[] | null;
  /** Where a write that names no space goes. */
  readonly defaultSpace: string;
}

/** Who a service call is for: the labelled key (recorded as stored_by, never set by a client) and its spaces. */
export interface Caller {
  /** The label of a keys-file key (or an OAuth grant), for attribution; null otherwise. */
  readonly actor: string | null;
  /** The label to name in a refusal (never a key). */
  readonly label: string;
  readonly spaces: SpaceAccess;
}

export const EVERY_SPACE: SpaceAccess = Object.freeze({ read: null, write: null, defaultSpace: DEFAULT_SPACE });

/** The local user of their own file (stdio, the CLI): every space. */
export const LOCAL_CALLER: Caller = Object.freeze({ actor: null, label: 'local', spaces: EVERY_SPACE });

/** A request's space that means "every space I may read" (upstream's cross-store search). */
export const ALL_SPACES = 'all';

/** A space's name: letters, digits and . _ - @ : (a personal space starts with ~). */
export const SPACE_NAME_PATTERN = /^~?[A-Za-z0-9_.@:-]{1,64}$/;

/** The personal space of a keys-file key: its label after a ~ (a character no listed name may start with but this). */
export const personalSpace = (label: string): string => `~${label}`;

export function checkSpaceName(space: string, field = 'space'): string {
  if (!SPACE_NAME_PATTERN.test(space) || space === ALL_SPACES) {
    throw InvalidInputError.field(field, `a space is 1-64 letters, digits or . _ - @ : (a personal space starts with ~), and not "${ALL_SPACES}"`);
  }
  return space;
}

/**
 * A keys-file entry's spaces: `write` and `read` lists (writing implies reading), the personal
 * space always, and `default` (else the first written space, else the personal one).
 */
export function spaceAccessOf(label: string, listed: { read: readonly string[]; write: readonly string[]; default?: string | null }): SpaceAccess {
  const personal = personalSpace(label);
  const write = [...new Set([...listed.write, personal])];
  const defaultSpace = listed.default ?? listed.write[0] ?? personal;
  if (!write.includes(defaultSpace)) write.unshift(defaultSpace);
  const read = [...new Set([defaultSpace, ...write, ...listed.read])];
  return Object.freeze({ read, write, defaultSpace });
}

/**
 * The spaces a read covers: the one named (it must be readable), or with none (or "all") every
 * space the caller may read, the default first; undefined means every space there is.
 */
export function readableSpaces(caller: Caller, requested?: string | null): readonly string[] | undefined {
  const { read } = caller.spaces;
  if (requested === undefined || requested === null || requested === '' || requested === ALL_SPACES) return read ?? undefined;
  const space = checkSpaceName(requested);
  if (read !== null && !read.includes(space)) throw new SpaceForbiddenError(caller.label, space, 'read');
  return [space];
}

/**
 * The spaces of an OAuth grant (chosen on the consent page): what it may write (and read) and
 * only read, without a personal space (a grant is a client, not a person); null: every space.
 */
export function spaceAccessOfGrant(spaces: { write: readonly string[]; read: readonly string[] } | null): SpaceAccess {
  if (spaces === null) return EVERY_SPACE;
  const write = [...new Set(spaces.write)];
  const read = [...new Set([...write, ...spaces.read])];
  return Object.freeze({ read, write, defaultSpace: write[0] ?? read[0] ?? DEFAULT_SPACE });
}

/** The space a write goes to: the one named (it must be writable), else the caller's default (writable too). */
export function writableSpace(caller: Caller, requested?: string | null): string {
  const { write, defaultSpace } = caller.spaces;
  if (requested === undefined || requested === null || requested === '') {
    if (write !== null && !write.includes(defaultSpace)) throw new SpaceForbiddenError(caller.label, defaultSpace, 'write');
    return defaultSpace;
  }
  if (requested === ALL_SPACES) throw InvalidInputError.field('space', `a write goes to one space, not "${ALL_SPACES}"`);
  const space = checkSpaceName(requested);
  if (write !== null && !write.includes(space)) throw new SpaceForbiddenError(caller.label, space, 'write');
  return space;
}

/**
 * The spaces a change to an existing memory may touch: the one named (writable), else every
 * space the caller may write, the default first (undefined: every space).
 */
export function changeableSpaces(caller: Caller, requested?: string | null): readonly string[] | undefined {
  if (requested !== undefined && requested !== null && requested !== '' && requested !== ALL_SPACES) return [writableSpace(caller, requested)];
  const { write, defaultSpace } = caller.spaces;
  return write === null ? undefined : [defaultSpace, ...write.filter((s) => s !== defaultSpace)];
}

/** A storage filter of the spaces given (none: every space, no condition). */
export const inSpaces = (spaces: readonly string[] | undefined): { spaces?: readonly string[] } => (spaces === undefined ? {} : { spaces });

/** Whether the caller may read a memory of this space (an event, a change). */
export const mayRead = (caller: Caller, space: string): boolean => caller.spaces.read === null || caller.spaces.read.includes(space);
