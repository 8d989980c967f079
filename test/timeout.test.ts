import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../src/errors.js';
import { isTimeoutError, withTimeout } from '../src/timeout.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it('rejects with a TimeoutError that carries no HTTP status, naming what did not finish', async () => {
    vi.useFakeTimers();
    const outcome = withTimeout(new Promise<never>(() => undefined), 100, 'destroy()').catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(100);
    const err = await outcome;
    expect(isTimeoutError(err)).toBe(true);
    expect(isAppError(err)).toBe(false);
    expect((err as Error).message).toBe('destroy() did not finish within 100 ms');
  });

  it('aborts the signal it gave the work when the limit is reached, so a polling loop stops', async () => {
    vi.useFakeTimers();
    let polls = 0;
    let sawAbort = false;
    const work = async (signal: AbortSignal): Promise<void> => {
      while (!signal.aborted) {
        polls += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      sawAbort = true;
    };
    const outcome = withTimeout(work, 200, 'poll').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(200);
    expect(isTimeoutError(await outcome)).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    const after = polls;
    await vi.advanceTimersByTimeAsync(500);
    expect(sawAbort).toBe(true);
    expect(polls).toBe(after);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not abort work that finished in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    let signalSeen: AbortSignal | undefined;
    const value = await withTimeout(
      async (signal) => {
        signalSeen = signal;
        return 42;
      },
      100,
      'quick',
    );
    expect(value).toBe(42);
    expect(signalSeen?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
