/**
 * The data folder a restore goes to: what is there now, and moving the restored folder into
 * its place, the old one kept beside it as DIR.before-restore-<time> when asked to.
 */
import { mkdir, readdir, rename, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ForgelineError } from '../domain/index.js';
import { DATA_MANIFEST } from '../server/index.js';

/** What is at the target path: nothing, an empty folder, a folder with other things in it, or a data folder. */
export type FolderState = 'absent' | 'empty' | 'occupied' | 'initialized';

/** Looks at `dataDir` without changing it. */
export async function inspectFolder(dataDir: string): Promise<FolderState> {
  const stats = await stat(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stats === undefined) return 'absent';
  if (!stats.isDirectory()) return 'occupied';
  const entries = await readdir(dataDir);
  if (entries.includes(DATA_MANIFEST)) return 'initialized';
  return entries.length === 0 ? 'empty' : 'occupied';
}

/** Refuses (`conflict`) a target that holds something, unless `force`. */
export function assertReplaceable(dataDir: string, state: FolderState, force: boolean): void {
  if (force || state === 'absent' || state === 'empty') return;
  throw new ForgelineError('conflict', state === 'initialized'
    ? `${dataDir} is an initialized data folder; nothing was changed (restore with --force to keep it as ${dataDir}.before-restore-<time> and put the backup in its place)`
    : `${dataDir} is not empty; nothing was changed (restore with --force to move it aside as ${dataDir}.before-restore-<time>)`);
}

/** A time as a compact UTC stamp for names: 20261126t081500z. */
export function timeStamp(time: Date): string {
  return time.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '').toLowerCase();
}

/**
 * Moves the restored folder `staged` to `dataDir`. Whatever is there is moved aside to
 * `keepAs` first (the caller has checked it may be); an empty folder is removed. Answers the
 * path the old folder is kept at, or null.
 */
export async function moveIntoPlace(staged: string, dataDir: string, keepAs: string): Promise<string | null> {
  const state = await inspectFolder(dataDir);
  let kept: string | null = null;
  if (state === 'empty') await rmdir(dataDir);
  else if (state !== 'absent') {
    await rename(dataDir, keepAs);
    kept = keepAs;
  }
  try {
    await rename(staged, dataDir);
  } catch (error) {
    if (kept !== null) await rename(kept, dataDir).catch(() => undefined);
    throw error;
  }
  return kept;
}

/** Creates the folders a restored data folder needs inside `folder` (0700, as init makes them). */
export async function prepareFolder(folder: string, directories: readonly string[]): Promise<void> {
  await mkdir(folder, { mode: 0o700 });
  for (const directory of directories) await mkdir(join(folder, directory), { mode: 0o700 });
}
