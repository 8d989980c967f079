/** One event of a Server-Sent Events stream: comments, `retry:` and blank blocks yield none. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Splits an SSE byte stream (already decoded) into events, as the WHATWG parser does for the fields
 * this server sends. Chunks may cut a line or an event anywhere: the rest waits for the next chunk.
 */
export const createSseParser = () => {
  let pending = '';
  return {
    push(chunk: string): SseMessage[] {
      pending += chunk.replace(/\r\n?/g, '\n');
      const blocks = pending.split('\n\n');
      pending = blocks.pop() ?? '';
      const messages: SseMessage[] = [];
      for (const block of blocks) {
        let id: string | null = null;
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') id = value;
          else if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length > 0) messages.push({ id, event, data: data.join('\n') });
      }
      return messages;
    },
  };
};
