import { describe, expect, it } from 'vitest';
import type { InstanceInfo } from '../../src/cluster/types.js';
import { placeOn } from '../../src/http/routes/cluster-sessions.js';

const instance = (id: string, sessions: number, capacity = 10): InstanceInfo => ({
  id,
  url: `http://${id}:3000`,
  sessions,
  capacity,
  expiresAt: 0,
});

describe('placement of a new session', () => {
  it('picks the instance with the fewest sessions', () => {
    expect(placeOn([instance('a', 3), instance('b', 1), instance('c', 2)], 'a')?.id).toBe('b');
  });

  it('skips instances at their capacity, however few they run', () => {
    expect(placeOn([instance('a', 2, 2), instance('b', 5, 10)], 'a')?.id).toBe('b');
  });

  it('breaks a tie in favour of the instance asked (no hop), then by id', () => {
    expect(placeOn([instance('a', 1), instance('b', 1), instance('c', 1)], 'c')?.id).toBe('c');
    expect(placeOn([instance('b', 1), instance('a', 1)], 'z')?.id).toBe('a');
  });

  it('finds none when every instance is full', () => {
    expect(placeOn([instance('a', 1, 1), instance('b', 4, 4)], 'a')).toBeNull();
  });
});
