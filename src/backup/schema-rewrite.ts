/**
 * Moves a pg_restore script into another schema. pg_dump qualifies every object with its
 * schema (and runs with an empty search_path), and pg_restore cannot rename one, so a dump of
 * schema S restores into schema T only if the script's `S.` qualifiers become `T.`. COPY data
 * lines pass untouched (they are data, and may mention S); the statements that create or
 * describe S itself are dropped, since the caller creates T.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Where a script line is: among statements, or inside a COPY block's data. */
export interface RewriteState {
  inCopy: boolean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A line rewriter from schema `from` to schema `to` (both plain lower-case names). */
export function schemaLineRewriter(from: string, to: string): (line: string, state: RewriteState) => string | null {
  const name = escapeRegExp(from);
  // The schema as a qualifier: bare (not part of a longer name or a quoted one) or double-quoted.
  const qualifier = new RegExp(`(?<![A-Za-z0-9_$."])(?:${name}|"${name}")(?=\\.)`, 'g');
  const aboutSchema = new RegExp(`^(CREATE SCHEMA|ALTER SCHEMA|COMMENT ON SCHEMA) (?:${name}|"${name}")( |;)`);
  return (line, state) => {
    if (state.inCopy) {
      // pg_dump ends a COPY block's data with a line holding only `\.`.
      if (line === '\\.') state.inCopy = false;
      return line;
    }
    if (aboutSchema.test(line)) return null;
    const rewritten = line.replace(qualifier, to);
    if (/^COPY .* FROM stdin;$/.test(rewritten)) state.inCopy = true;
    return rewritten;
  };
}

/** A stream that rewrites a pg_restore script line by line (see {@link schemaLineRewriter}). */
export function schemaRewriteStream(from: string, to: string): Transform {
  const rewrite = schemaLineRewriter(from, to);
  const state: RewriteState = { inCopy: false };
  // A chunk may end inside a multi-byte character: the decoder keeps its first bytes for the next.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const emit = (stream: Transform, line: string): void => {
    const out = rewrite(line, state);
    if (out !== null) stream.push(`${out}\n`);
  };
  return new Transform({
    // Lines split on \n only: COPY data escapes its own newlines, so a line is a line.
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      const lines = (rest + decoder.write(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) emit(this, line);
      callback();
    },
    flush(callback: TransformCallback) {
      rest += decoder.end();
      if (rest !== '') emit(this, rest);
      callback();
    },
  });
}
