import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError, NotOfferedError } from '../common/domain-errors.js';
import { MAX_BULK_DELETE, MemoriesService } from '../memories/memories.service.js';
import { normalizeTags } from '../memories/tags.js';
import { type Caller, changeableSpaces, inSpaces, readableSpaces } from '../spaces/space-access.js';
import type { TagStat } from '../storage/memory.js';
import { MEMORY_STORE, type MemoryStore, STORAGE_STATUS, type StorageStatus } from '../storage/roles.js';

/** Upstream's answer to every management operation. */
export interface BulkOperation {
  success: boolean;
  message: string;
  affectedCount: number;
  operation: string;
}

export interface ManageBulkDelete {
  tag?: string | null;
  /** YYYY-MM-DD: memories created before that day. */
  beforeDate?: string | null;
  memoryType?: string | null;
  /** When given, the number of memories the caller expects to delete: a different count refuses. */
  confirmCount?: number | null;
  space?: string | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A count the caller confirmed must be the count found (upstream's safety check). */
function confirm(expected: number | null | undefined, found: number): void {
  if (expected !== undefined && expected !== null && expected !== found) {
    throw InvalidInputError.field('confirm_count', `Confirmation count mismatch. Expected ${found}, got ${expected}`);
  }
}

/**
 * Upstream's management routes (/api/manage): bulk deletes by tag, date, type or missing tags,
 * tag statistics and renames, within the spaces the caller may write (or read, for counts).
 * Every change goes through MemoriesService, so each is logged and announced as any other.
 */
@Injectable()
export class ManageService {
  constructor(
    private readonly memories: MemoriesService,
    @Inject(MEMORY_STORE) private readonly store: MemoryStore,
    @Inject(STORAGE_STATUS) private readonly storage: StorageStatus,
  ) {}

  async bulkDelete(input: ManageBulkDelete, caller: Caller): Promise<BulkOperation> {
    if (!input.tag && !input.beforeDate && !input.memoryType) {
      throw InvalidInputError.field('body', 'At least one filter (tag, before_date, or memory_type) must be specified');
    }
    if (input.beforeDate && !DAY.test(input.beforeDate)) throw InvalidInputError.field('before_date', 'Invalid date format. Use YYYY-MM-DD');
    const filter = { tags: input.tag ? [input.tag] : [], before: input.beforeDate, memoryType: input.memoryType, space: input.space };
    if (input.confirmCount !== undefined && input.confirmCount !== null) {
      confirm(input.confirmCount, (await this.memories.deleteMatching({ ...filter, dryRun: true }, caller)).contentHashes.length);
    }
    const deleted = (await this.memories.deleteMatching(filter, caller)).contentHashes.length;
    const described = [
      ...(input.tag ? [`with tag '${input.tag}'`] : []),
      ...(input.beforeDate ? [`before ${input.beforeDate}`] : []),
      ...(input.memoryType ? [`of type '${input.memoryType}'`] : []),
    ].join(', ');
    return { success: deleted > 0, message: `Successfully deleted ${deleted} memories`, affectedCount: deleted, operation: `Delete memories ${described}` };
  }

  /** Exact duplicates cannot exist (a content hash is unique per space): nothing to remove, said as upstream says it. */
  cleanupDuplicates(): BulkOperation {
    return { success: false, message: 'No duplicate memories found', affectedCount: 0, operation: 'cleanup_duplicates' };
  }

  /** Memories without any tag that the caller may delete. */
  async untaggedCount(caller: Caller, space?: string | null): Promise<number> {
    return (await this.store.list({ ...inSpaces(changeableSpaces(caller, space)), untagged: true }, 0, 1)).total;
  }

  async deleteUntagged(confirmCount: number, caller: Caller, space?: string | null): Promise<BulkOperation> {
    confirm(confirmCount, (await this.memories.deleteMatching({ untagged: true, dryRun: true, space }, caller)).contentHashes.length);
    const deleted = (await this.memories.deleteMatching({ untagged: true, space }, caller)).contentHashes.length;
    return { success: deleted > 0, message: `Successfully deleted ${deleted} untagged memories`, affectedCount: deleted, operation: 'delete_untagged' };
  }

  tagStats(caller: Caller, space?: string | null): Promise<TagStat[]> {
    return this.storage.tagStats(readableSpaces(caller, space));
  }

  /**
   * Renames a tag on every memory the caller may write that carries it (onto an existing tag, it
   * merges the two); each memory changed is an update of its own.
   */
  async renameTag(oldTag: string, newTag: string, confirmCount: number | null | undefined, caller: Caller, space?: string | null): Promise<BulkOperation> {
    const [from] = normalizeTags([oldTag]);
    const [to] = normalizeTags([newTag]);
    if (!from) throw InvalidInputError.field('old_tag', 'give the tag to rename');
    if (!to) throw InvalidInputError.field('new_tag', 'give the new tag name');
    const carrying = await this.store.find({ ...inSpaces(changeableSpaces(caller, space)), tags: { tags: [from], match: 'any' } }, 0, MAX_BULK_DELETE);
    confirm(confirmCount, carrying.length);
    if (from !== to) {
      for (const memory of carrying) {
        await this.memories.update(memory.contentHash, { tags: memory.tags.map((tag) => (tag === from ? to : tag)), space: memory.space }, caller);
      }
    }
    return {
      success: carrying.length > 0,
      message: `Renamed tag '${from}' to '${to}' on ${carrying.length} memories`,
      affectedCount: carrying.length,
      operation: `Rename tag '${from}' to '${to}'`,
    };
  }

  /** upstream's maintenance operations: duplicate cleanup; the others it does not implement either. */
  systemOperation(operation: string): BulkOperation {
    if (operation === 'cleanup_duplicates') return this.cleanupDuplicates();
    if (operation === 'optimize_db') {
      throw new NotOfferedError('optimize_db is not offered (upstream does not implement it either); POST /api/admin/integrity-check checks the database');
    }
    if (operation === 'rebuild_index') {
      throw new NotOfferedError('rebuild_index is not offered: the server rebuilds the vector index itself when it falls behind the database');
    }
    throw InvalidInputError.field('operation', `Unknown operation: ${operation.slice(0, 40)}`);
  }
}
