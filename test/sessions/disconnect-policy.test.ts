import { describe, expect, it } from 'vitest';
import { type DisconnectReason, disconnectReasons, parseDisconnectReason } from '../../src/domain/reasons.js';
import { afterDisconnect } from '../../src/sessions/disconnect-policy.js';

const delayMs = 3000;

/** What a session does after each reason, with AUTO_CLEANUP_ON_LOGOUT on and off. */
const table: Array<[DisconnectReason, boolean, ReturnType<typeof afterDisconnect>]> =
  disconnectReasons.flatMap((reason) =>
    [true, false].map((autoCleanup): [DisconnectReason, boolean, ReturnType<typeof afterDisconnect>] => {
      if (reason !== 'LOGOUT')
        return [reason, autoCleanup, { action: 'release', dropCredentials: false, delayMs }];
      return [
        reason,
        autoCleanup,
        { action: autoCleanup ? 'teardown' : 'release', dropCredentials: true, delayMs },
      ];
    }),
  );

describe('afterDisconnect: what a session does after its client disconnected', () => {
  it.each(table)('%s with AUTO_CLEANUP_ON_LOGOUT=%s', (reason, autoCleanup, expected) => {
    expect(
      afterDisconnect(reason, { AUTO_CLEANUP_ON_LOGOUT: autoCleanup, LOGOUT_CLEANUP_DELAY_MS: delayMs }),
    ).toEqual(expected);
  });

  it('only a LOGOUT makes the credentials dead or ends the session', () => {
    const ending = table.filter(([, , next]) => next.dropCredentials || next.action === 'teardown');
    expect(new Set(ending.map(([reason]) => reason))).toEqual(new Set(['LOGOUT']));
  });

  it('reads every reason the library emits as itself, and anything else as UNKNOWN', () => {
    for (const reason of ['LOGOUT', 'CONFLICT', 'UNPAIRED', 'UNPAIRED_IDLE', 'TOS_BLOCK', 'SMB_TOS_BLOCK']) {
      expect(parseDisconnectReason(reason)).toBe(reason);
    }
    expect(parseDisconnectReason('Max qrcode retries reached')).toBe('UNKNOWN');
    expect(parseDisconnectReason('logout')).toBe('UNKNOWN');
  });
});
