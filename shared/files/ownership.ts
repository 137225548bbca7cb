// Who may manage a file (delete it, attach it to something): its owner or an admin. Kept apart from
// access.ts so modules that only need this rule do not load the task and chat entities.
import type { AuthUser } from '../auth/tokens.ts';
import type { FileRecord } from '../db/entities/file.ts';

export function canManageFile(actor: AuthUser, file: Pick<FileRecord, 'ownerId'>): boolean {
  return actor.role === 'admin' || file.ownerId === actor.id;
}
