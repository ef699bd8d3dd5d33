/**
 * Before a backup: the live log gets a signed checkpoint of everything it holds, as the server
 * would sign within seconds anyway (and as `audit export` does). So even the backup of a young
 * folder holds a checkpoint its restore can verify the log against, and a log changed behind
 * the server's back is found now, when it can still be looked into, not at restore time.
 */
import { AuditLog, type AuditLogIdentity, type Clock } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { openDatabase, type StoreOptions } from '../store/index.js';

/** Signs a checkpoint of the live log at `store` (when it grew since the last one). */
export async function checkpointLiveLog(store: StoreOptions, identity: AuditLogIdentity, clock: Clock): Promise<void> {
  const opened = await openDatabase(store);
  try {
    await new AuditLog({ store: opened, clock, identity }).checkpoint();
  } catch (error) {
    if (error instanceof ForgelineError && error.code === 'audit-integrity') {
      throw new ForgelineError('audit-integrity', `the live audit log cannot be checkpointed, so a backup of it would not restore: ${error.message}`);
    }
    throw error;
  } finally {
    await opened.close();
  }
}
