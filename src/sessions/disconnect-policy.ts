import type { DisconnectReason } from '../domain/reasons.js';

export interface DisconnectSettings {
  AUTO_CLEANUP_ON_LOGOUT: boolean;
  LOGOUT_CLEANUP_DELAY_MS: number;
}

/**
 * What a session does after its client disconnected, `delayMs` later:
 * - `teardown`: close the client, remove the folder, leave the registry (`session.removed`);
 * - `release`: close the client, stay listed as DISCONNECTED so it can be started again.
 * `dropCredentials`: the credentials in the folder are dead and must never be started on again.
 */
export interface AfterDisconnect {
  action: 'teardown' | 'release';
  dropCredentials: boolean;
  delayMs: number;
}

/**
 * The only place that knows what a LOGOUT means. After a LOGOUT the phone unlinked the device: the
 * credentials are dead (the library would delete them itself). With AUTO_CLEANUP_ON_LOGOUT the
 * session is torn down; without it it stays listed and starts again on an empty folder (fresh QR).
 * Every other reason keeps the credentials: a later start may resume the link.
 * The delay lets the library finish its own post-logout work in the page; destroying the browser
 * under it gives "Target closed" rejections from inside the library.
 */
export const afterDisconnect = (reason: DisconnectReason, settings: DisconnectSettings): AfterDisconnect => {
  const loggedOut = isLogout(reason);
  return {
    action: loggedOut && settings.AUTO_CLEANUP_ON_LOGOUT ? 'teardown' : 'release',
    dropCredentials: loggedOut,
    delayMs: settings.LOGOUT_CLEANUP_DELAY_MS,
  };
};

/** True for a session reason that records a LOGOUT (for readers of snapshots and events). */
export const isLogout = (reason: string | null): boolean => reason === 'LOGOUT';
