import { describe, expect, it } from 'vitest';
import { createSseParser } from '../../src/dashboard/sse-parser.js';

describe("the dashboard's SSE parser", () => {
  it('yields events with their id, type and data; skips comments and retry', () => {
    const parser = createSseParser();
    expect(parser.push('retry: 3000\n\n: ping\n\nid: evt_a_1\nevent: session.qr\ndata: {"x":1}\n\n')).toEqual(
      [{ id: 'evt_a_1', event: 'session.qr', data: '{"x":1}' }],
    );
  });

  it('keeps a cut event until the rest arrives, whatever the cut', () => {
    const stream = 'id: 1\nevent: a\ndata: one\n\nid: 2\nevent: b\ndata: two\n\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const parser = createSseParser();
      const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      expect(
        events.map((e) => e.data),
        `cut at ${cut}`,
      ).toEqual(['one', 'two']);
    }
  });

  it('accepts CRLF line ends and joins multi-line data', () => {
    const parser = createSseParser();
    expect(parser.push('data: a\r\ndata: b\r\n\r\n')).toEqual([{ id: null, event: 'message', data: 'a\nb' }]);
  });
});
