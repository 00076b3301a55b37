import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { BackupsUnsupportedError, InvalidInputError } from '../common/domain-errors.js';
import { type Caller, readableSpaces, writableSpace } from '../spaces/space-access.js';
import { MEMORY_STORE, type MemoryStore } from '../storage/roles.js';
import { SpaceEvents } from './backup-events.js';
import { BackupService } from './backup.service.js';

/** Memories per transaction when a whole space moves or goes: each batch holds the writer lock briefly. */
const BATCH = 500;

export interface SpaceTransferResult {
  moved: number;
  skipped: number;
}

export interface SpaceDeleteResult {
  deleted: number;
  /** The backup taken first (SQLite); null where backups belong to the database (PostgreSQL). */
  backupId: string | null;
}

/** Whole spaces at once: move or copy every memory of one to another, delete one (after a backup). */
@Injectable()
export class SpaceAdminService {
  private readonly logger = new Logger('Spaces');

  constructor(
    @Inject(MEMORY_STORE) private readonly memories: MemoryStore,
    private readonly backups: BackupService,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * Every memory of `from` to `to`, batch by batch: a move takes them out of `from` (the caller
   * must be able to write both), a copy leaves them (reading `from` is enough). Memories whose
   * text `to` already holds stay where they are and are counted as skipped.
   */
  async transfer(from: string, to: string, copy: boolean, caller: Caller): Promise<SpaceTransferResult> {
    const source = copy ? readableSpaces(caller, from)![0]! : writableSpace(caller, from);
    const target = writableSpace(caller, to);
    if (source === target) throw InvalidInputError.field('to', 'to names the same space as from');
    const result: SpaceTransferResult = { moved: 0, skipped: 0 };
    for (let after: number | null = 0; after !== null;) {
      const page = await this.memories.transferSpace(source, target, copy, after, BATCH, caller.actor);
      result.moved += page.moved;
      result.skipped += page.skipped;
      after = page.next;
      this.events.emit(SpaceEvents.changed);
    }
    this.logger.log({ msg: copy ? 'Space copied' : 'Space moved', from: source, to: target, ...result, actor: caller.actor });
    return result;
  }

  /** Deletes every memory of a space, after a verified backup where this backend has them. */
  async delete(space: string, caller: Caller): Promise<SpaceDeleteResult> {
    const name = writableSpace(caller, space);
    let backupId: string | null = null;
    try {
      backupId = (await this.backups.create('pre-delete-space')).backup_id;
    } catch (error) {
      if (!(error instanceof BackupsUnsupportedError)) throw error;
    }
    let deleted = 0;
    for (;;) {
      const hashes = await this.memories.deleteFromSpace(name, BATCH, caller.actor);
      if (hashes.length === 0) break;
      deleted += hashes.length;
      this.events.emit(SpaceEvents.changed);
    }
    this.logger.log({ msg: 'Space deleted', space: name, deleted, backup_id: backupId, actor: caller.actor });
    return { deleted, backupId };
  }
}
