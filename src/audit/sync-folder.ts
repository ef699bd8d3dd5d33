import { open } from 'node:fs/promises';

/**
 * Flushes a folder's entries to disk, so a file just created or renamed in it survives a power
 * cut (POSIX fsync on the folder). Platforms that cannot open or sync a folder skip it.
 */
export async function syncFolder(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
