/** Domain events of the admin module, turned into SSE messages by the events module. */
export const BackupEvents = {
  completed: 'backup.completed',
  restored: 'backup.restored',
} as const;

export interface BackupCompletedEvent {
  backupId: string;
  memories: number;
  sizeBytes: number;
  createdAt: string;
}

export interface BackupRestoredEvent {
  backupId: string;
  safetyBackupId: string;
  memories: number;
}

/** Memories moved, copied or deleted by space (their changes are in the change log). */
export const SpaceEvents = {
  changed: 'space.changed',
} as const;
