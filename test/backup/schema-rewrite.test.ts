import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { schemaRewriteStream } from '../../src/backup/index.js';

const SCRIPT = [
  "SELECT pg_catalog.set_config('search_path', '', false);",
  'CREATE SCHEMA shop;',
  "COMMENT ON SCHEMA shop IS 'the shop';",
  'CREATE TABLE shop.orders (id text NOT NULL, note text);',
  'CREATE TABLE shop.shop_orders (id text);',
  'ALTER TABLE ONLY "shop".orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);',
  "SELECT pg_catalog.setval('shop.orders_seq', 1, false);",
  'COPY shop.orders (id, note) FROM stdin;',
  'a1\tmoved from shop.orders to shop.archive',
  'a2\t\\N',
  '\\.',
  'CREATE INDEX orders_note ON shop.orders USING btree (note);',
  'CREATE TABLE workshop.things (id text);',
  '',
].join('\n');

async function rewrite(script: string, pieces: number): Promise<string> {
  const bytes = Buffer.from(script, 'utf8');
  const size = Math.ceil(bytes.length / pieces);
  const chunks = Array.from({ length: pieces }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  return text(Readable.from(chunks).pipe(schemaRewriteStream('shop', 'forgeline_restore_1')));
}

describe('moving a pg_restore script to another schema', () => {
  it('requalifies statements, drops those about the old schema, and leaves COPY data alone', async () => {
    const out = await rewrite(SCRIPT, 1);
    expect(out.split('\n')).toEqual([
      "SELECT pg_catalog.set_config('search_path', '', false);",
      'CREATE TABLE forgeline_restore_1.orders (id text NOT NULL, note text);',
      'CREATE TABLE forgeline_restore_1.shop_orders (id text);',
      'ALTER TABLE ONLY forgeline_restore_1.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);',
      "SELECT pg_catalog.setval('forgeline_restore_1.orders_seq', 1, false);",
      'COPY forgeline_restore_1.orders (id, note) FROM stdin;',
      'a1\tmoved from shop.orders to shop.archive',
      'a2\t\\N',
      '\\.',
      'CREATE INDEX orders_note ON forgeline_restore_1.orders USING btree (note);',
      'CREATE TABLE workshop.things (id text);',
      '',
    ]);
  });

  it('gives the same result whatever the chunking, multi-byte characters included', async () => {
    const script = `${SCRIPT}COPY shop.notes (t) FROM stdin;\nÄrger über Öl — 設定 shop.x\n\\.\n`;
    const whole = await rewrite(script, 1);
    for (const pieces of [2, 7, 31, 97]) expect(await rewrite(script, pieces)).toBe(whole);
    expect(whole).toContain('Ärger über Öl — 設定 shop.x');
  });
});
