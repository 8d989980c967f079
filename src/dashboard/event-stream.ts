import { apiUrl } from './api.js';
import { createSseParser } from './sse-parser.js';
import type { WaEvent } from './types.js';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface EventStreamHandlers {
  onEvent(event: WaEvent): void;
  /** Every change of the connection; `live` again after a reconnect means: reload what may be stale. */
  onStatus(status: StreamStatus): void;
  /** The key was refused (401): the stream stops for good. */
  onUnauthorized(): void;
}

/** Waits between attempts while the server is away: quick at first, then every few seconds. */
const RETRY_DELAYS_MS = [500, 1000, 2000, 3000];

/** Three of the server's 15 s pings missed: the connection is dead. */
const SILENCE_LIMIT_MS = 45_000;

/** Resolves after `ms`, or at once when the stream is stopped (its timer cleared). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

/**
 * `GET /events` read with fetch, not EventSource: EventSource cannot send a header, and the key must
 * not go in a URL. Reconnects by itself, sending `Last-Event-ID` so the server replays what was
 * missed. The first connection sends `0`, an id the server's buffer never holds, so it replays its
 * whole buffer: the sessions' recent events appear at once. Returns the function that stops it.
 */
export const openEventStream = (headers: Record<string, string>, handlers: EventStreamHandlers) => {
  const controller = new AbortController();
  let lastEventId = '0';
  let failures = 0;

  const readOnce = async (): Promise<'retry' | 'stop'> => {
    // One connection: given up when nothing (not even the server's 15 s ping) arrives for a while,
    // as a connection a proxy or a network silently dropped never ends by itself.
    const connection = new AbortController();
    const stopConnection = () => connection.abort();
    controller.signal.addEventListener('abort', stopConnection);
    let silence: ReturnType<typeof setTimeout> | undefined;
    const heard = () => {
      clearTimeout(silence);
      silence = setTimeout(stopConnection, SILENCE_LIMIT_MS);
    };
    heard();
    try {
      return await readConnection(connection.signal, heard);
    } finally {
      clearTimeout(silence);
      controller.signal.removeEventListener('abort', stopConnection);
    }
  };

  const readConnection = async (signal: AbortSignal, heard: () => void): Promise<'retry' | 'stop'> => {
    const res = await fetch(apiUrl('events'), {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastEventId },
      cache: 'no-store',
      signal,
    });
    if (res.status === 401) {
      handlers.onUnauthorized();
      return 'stop';
    }
    if (!res.ok || res.body === null) return 'retry';
    failures = 0;
    handlers.onStatus('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = createSseParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return 'retry';
      heard();
      for (const message of parser.push(value)) {
        if (message.id !== null) lastEventId = message.id;
        try {
          handlers.onEvent(JSON.parse(message.data) as WaEvent);
        } catch {
          // A line that is not an event of ours: skip it, the stream goes on.
        }
      }
    }
  };

  const run = async () => {
    handlers.onStatus('connecting');
    while (!controller.signal.aborted) {
      let outcome: 'retry' | 'stop' = 'retry';
      try {
        outcome = await readOnce();
      } catch {
        // The server went away mid-stream or refused the connection: try again below.
      }
      if (outcome === 'stop' || controller.signal.aborted) return;
      handlers.onStatus('reconnecting');
      const delay = RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)] ?? 3000;
      failures += 1;
      await sleep(delay, controller.signal);
    }
  };
  void run();
  return () => controller.abort();
};
