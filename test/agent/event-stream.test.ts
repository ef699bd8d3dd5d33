import { describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../src/agent/index.js';

describe('the server-sent event parser', () => {
  it('assembles events split across chunks, skips heartbeats, and reads id, type and multi-line data', () => {
    const parser = new EventStreamParser();
    expect(parser.push(': heartbeat\n\nevent: order\nid: a:1\ndata: {"orderId"')).toEqual([]);
    expect(parser.push(':"a"}\n\n')).toEqual([{ event: 'order', id: 'a:1', data: '{"orderId":"a"}' }]);
    expect(parser.push('data: one\r\ndata: two\r\n\r\nevent: order\ndata:x\n\n')).toEqual([
      { event: 'message', id: undefined, data: 'one\ntwo' },
      { event: 'order', id: undefined, data: 'x' },
    ]);
  });

  it('keeps an event without its blank line until the line arrives', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: order\ndata: {}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'order', id: undefined, data: '{}' }]);
  });
});
