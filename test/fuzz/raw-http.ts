import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Undoes `Transfer-Encoding: chunked`; null while the last chunk has not arrived. */
const dechunk = (data: Buffer): Buffer | null => {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return null;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return null;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
};

/**
 * Sends bytes as they are (so a request can be as malformed as a fuzzer likes) and reads one HTTP/1.1
 * answer. An event stream is cut as soon as its head arrived. Resolves null when the server closed
 * the connection without an answer, rejects when none came within `timeoutMs`.
 */
export const rawRequest = (
  port: number,
  request: Buffer,
  options: { head: boolean; timeoutMs: number },
): Promise<RawResponse | null> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: RawResponse | null | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const parse = (closed: boolean): RawResponse | null | undefined => {
      const headEnd = data.indexOf(HEAD_END);
      if (headEnd === -1) return closed ? null : undefined;
      const [statusLine = '', ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = data.subarray(headEnd + 4);
      const bodyless = options.head || status === 204 || status === 304 || status < 200;
      if (bodyless || (headers['content-type'] ?? '').startsWith('text/event-stream')) {
        return { status, headers, body: Buffer.alloc(0) };
      }
      if (headers['transfer-encoding'] === 'chunked') {
        const body = dechunk(rest);
        return body === null
          ? closed
            ? { status, headers, body: rest }
            : undefined
          : { status, headers, body };
      }
      const length = headers['content-length'];
      if (length !== undefined) {
        if (rest.length >= Number(length)) return { status, headers, body: rest.subarray(0, Number(length)) };
        return closed ? { status, headers, body: rest } : undefined;
      }
      return closed ? { status, headers, body: rest } : undefined;
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const parsed = parse(false);
      if (parsed !== undefined) finish(parsed);
    });
    socket.on('error', () => finish(parse(true) ?? null));
    socket.on('close', () => finish(parse(true) ?? null));
    socket.on('connect', () => socket.write(request));
  });
