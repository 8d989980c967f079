import { appError } from '../error-catalog.js';
import type { AuthFolders } from './auth-folders.js';

/**
 * The auth folders as the sessions use them: a folder that could neither be removed nor moved aside
 * is remembered as stuck, and no session may start on it (it would start on stale credentials).
 */
export const createFolderGuard = (folders: AuthFolders) => {
  const stuck = new Set<string>();
  return {
    /** Removes (or moves aside) a session's folder; remembers one that is stuck. */
    async remove(id: string): Promise<void> {
      if ((await folders.remove(id)) === 'stuck') stuck.add(id);
      else stuck.delete(id);
    },

    /** Before a start: tries a stuck folder again, and refuses (503 `folder_locked`) while it stays stuck. */
    async ensureUsable(id: string): Promise<void> {
      if (!stuck.has(id)) return;
      if ((await folders.remove(id)) === 'stuck') {
        throw appError(
          'folder_locked',
          `The folder of an earlier session "${id}" cannot be removed yet; try again later.`,
        );
      }
      stuck.delete(id);
    },
  };
};

export type FolderGuard = ReturnType<typeof createFolderGuard>;
