/**
 * Typed errors thrown by services and repositories. The HTTP exception filter is the only place
 * that knows which status each one becomes.
 */
export interface FieldError {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  override readonly name: string = this.constructor.name;
}

export class MemoryNotFoundError extends DomainError {
  constructor(readonly contentHash: string) {
    super(`Memory not found: ${contentHash}`);
  }
}

/** Input that passed DTO validation but breaks a rule only the service can check. */
export class InvalidInputError extends DomainError {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }

  static field(field: string, message: string): InvalidInputError {
    return new InvalidInputError([{ field, message }]);
  }
}

/** Another process held the database lock for longer than the retry budget. */
export class StorageBusyError extends DomainError {
  constructor() {
    super('The database is busy with other writers; retry shortly');
  }
}

export class StorageFullError extends DomainError {
  constructor() {
    super('The disk holding the database is full; nothing was written');
  }
}

export class StorageUnavailableError extends DomainError {
  constructor(reason: string) {
    super(`The database is unavailable: ${reason}`);
  }
}

/** A health probe found the database unusable; `reason` is already safe to show. */
export class UnhealthyError extends DomainError {
  constructor(readonly reason: string) {
    super(`Database unavailable: ${reason}`);
  }
}

export class EmbeddingUnavailableError extends DomainError {
  constructor(reason: string) {
    super(`The embedding model is unavailable: ${reason}`);
  }
}

export class BackupNotFoundError extends DomainError {
  constructor(readonly backupId: string) {
    super(`Backup not found: ${backupId}`);
  }
}

/** A backup file that fails its checksum or integrity check: it is never restored. */
export class BackupVerificationError extends DomainError {}

/** Taking a backup failed (disk, permissions, or the copy did not verify). */
export class BackupFailedError extends DomainError {}

/** A client address presented too many wrong keys recently. */
export class TooManyAuthFailuresError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed authentication attempts from this address; retry in ${retryAfterSeconds} s`);
  }
}

/** The storage backend keeps its own backups (PostgreSQL: pg_dump, point-in-time recovery). */
export class BackupsUnsupportedError extends DomainError {
  constructor() {
    super(
      'Backups of the PostgreSQL backend belong to PostgreSQL: use pg_dump (e.g. pg_dump -Fc "$MCP_POSTGRES_URL" > memory.dump) or point-in-time recovery; see docs/postgresql.md',
    );
  }
}

/** A thing other than a memory or a backup that does not exist (any more), named in the message (404). */
export class NotFoundError extends DomainError {}

/** An OAuth access token that is unknown, expired, revoked or for another resource (401 invalid_token, RFC 6750). */
export class InvalidAccessTokenError extends DomainError {}

/** The caller's key may not read or write the space it named (403); the same answer whether or not the space exists. */
export class SpaceForbiddenError extends DomainError {
  constructor(
    readonly label: string,
    readonly space: string,
    readonly access: 'read' | 'write',
  ) {
    super(`The key "${label}" may not ${access} the space "${space}"`);
  }
}

/** The operation cannot run now because of another one in progress (409). */
export class ConflictError extends DomainError {}

/** A request refused by a protocol-level rule (origin, host, media type, capacity), with its status. */
export class RequestRefusedError extends DomainError {
  constructor(
    readonly status: 403 | 413 | 414 | 415 | 431 | 503,
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

/** A route upstream has that this server answers as not offered (501), saying why. */
export class NotOfferedError extends DomainError {}
