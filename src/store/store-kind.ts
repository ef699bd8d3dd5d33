/** The database engines a Store can run on. */
export const storeKinds = ['sqlite', 'postgres'] as const;

/** One of {@link storeKinds}: embedded SQLite (the default) or shared PostgreSQL. */
export type StoreKind = (typeof storeKinds)[number];
