import { AuditTrail, type Clock } from '../audit/index.js';
import { auditActorOf, type Actor } from '../access/index.js';
import { ForgelineError, parseOrThrow, TimedValue } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import { DEFAULT_PLANT_TIME, plantTimePatchSchema, plantTimeSchema, type PlantTime } from './plant-time.js';

/** The `site_settings` row that holds the setting (beside the access policy's rows, which skip keys they do not know). */
export const PLANT_TIME_KEY = 'plantTime';

/** How long a server instance keeps the setting it read; another instance's change shows within this time. */
export const PLANT_TIME_CACHE_MS = 5_000;

/**
 * The plant's time zone and shifts, stored as one JSON row in `site_settings` (absent: the default).
 * Every signed-in subject reads it (the web shows dates in it); only admins change it, each change
 * audited as `plant.time-update` with the setting before and after.
 */
export class PlantTimeService {
  private readonly audit: AuditTrail;
  private readonly cached: TimedValue<PlantTime>;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    this.audit = new AuditTrail(deps);
    this.cached = new TimedValue(PLANT_TIME_CACHE_MS, () => this.load(this.deps.store.db));
  }

  /** The setting in force, for the services (no authorization: it says how they count shifts). */
  async current(): Promise<PlantTime> {
    return this.cached.get(this.deps.clock.now().getTime());
  }

  /**
   * The setting, for any authenticated subject: people during account setup too (a one-time
   * password not yet changed, a second factor not yet enrolled), whom the policy refuses every
   * action, and API tokens whatever actions they carry. It is no permission of the policy's table on
   * purpose, like a person's own account (`GET /api/v1/users/me`): it tells only how to read
   * dates, and without it the web would show them in the browser's zone instead.
   */
  async read(actor: Actor): Promise<PlantTime> {
    if (actor.subject.userId === '') throw new ForgelineError('unauthenticated', 'sign in to read the plant\'s time setting');
    return this.load(this.deps.store.db);
  }

  /** Changes the time zone, the shifts or both (admins); audited with before and after when anything changed. */
  async update(actor: Actor, input: unknown): Promise<PlantTime> {
    const patch = parseOrThrow(plantTimePatchSchema, input, 'plant time setting');
    await this.audit.authorize(actor, 'plant.manage', { kind: 'system' }, { kind: 'plant.time-update' });
    const now = this.deps.clock.now().toISOString();
    const after = await withWriteTransaction(this.deps.store, async (trx) => {
      // Read, merge and write with the row locked, so two admins changing the zone and the shifts at
      // once both keep their change (SQLite's write transactions run one at a time already).
      for (;;) {
        const stored = await this.loadRow(trx, true);
        const before = stored.value;
        const next: PlantTime = { timeZone: patch.timeZone ?? before.timeZone, shifts: patch.shifts ?? before.shifts };
        if (JSON.stringify(before) === JSON.stringify(next)) return before;
        const value = JSON.stringify(next);
        if (stored.exists) {
          await trx.updateTable('site_settings').set({ value, updated_by: actor.subject.username, updated_at: now }).where('key', '=', PLANT_TIME_KEY).execute();
        } else {
          // No row to lock yet: the first insert wins; the loser reads the winner's row (now locked) and merges again.
          const inserted = await trx.insertInto('site_settings').values({ key: PLANT_TIME_KEY, value, updated_by: actor.subject.username, updated_at: now })
            .onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) continue;
        }
        await this.audit.record(trx, { kind: 'plant.time-update', outcome: 'ok', actor: auditActorOf(actor), detail: { before, after: next } });
        return next;
      }
    });
    this.cached.set(after, this.deps.clock.now().getTime());
    return after;
  }

  /**
   * The stored setting over the default. A row that no longer parses (hand-edited, or a zone the
   * platform's ICU dropped) keeps the default rather than breaking every page that shows a date.
   */
  private async load(db: Pick<Store['db'], 'selectFrom'>): Promise<PlantTime> {
    return (await this.loadRow(db, false)).value;
  }

  /** {@link PlantTimeService.load}, and whether the row exists; `lock` locks it for the transaction (PostgreSQL: FOR UPDATE). */
  private async loadRow(db: Pick<Store['db'], 'selectFrom'>, lock: boolean): Promise<{ readonly value: PlantTime; readonly exists: boolean }> {
    let select = db.selectFrom('site_settings').select('value').where('key', '=', PLANT_TIME_KEY);
    if (lock && this.deps.store.kind === 'postgres') select = select.forUpdate();
    const row = await select.executeTakeFirst();
    if (row === undefined) return { value: DEFAULT_PLANT_TIME, exists: false };
    let stored: unknown;
    try {
      stored = JSON.parse(row.value);
    } catch {
      return { value: DEFAULT_PLANT_TIME, exists: true };
    }
    const parsed = plantTimeSchema.safeParse(stored);
    return { value: parsed.success ? parsed.data : DEFAULT_PLANT_TIME, exists: true };
  }
}
