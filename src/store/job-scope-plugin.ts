/** Keeps one job of a shared write transaction from using it after its turn. */
import type {
  KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow,
} from 'kysely';

/**
 * A plugin on one job's view of a shared transaction: once the job's
 * function has settled, every query through that view throws. Without it a
 * query the job forgot to await would run inside the next job's savepoint
 * (and be rolled back, or committed, with that job instead of its own).
 */
export class JobScopePlugin implements KyselyPlugin {
  #open = true;

  /** Ends the job's turn: later queries through its view throw. */
  close(): void {
    this.#open = false;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (!this.#open) {
      throw new Error('query on a write transaction whose function has already returned: await every query inside withWriteTransaction');
    }
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
