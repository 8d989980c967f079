/**
 * Why a client disconnected: every reason whatsapp-web.js 1.34.7 emits with `disconnected`. The
 * library passes `'LOGOUT'` (the phone unlinked the device), or the WAState the page moved to when
 * it is not one it accepts (Client.js, `onChangeState`: every state but CONNECTED, OPENING, PAIRING
 * and TIMEOUT); `NAVIGATION` and `TIMEOUT` are older releases' reasons, still seen in the wild.
 * Anything else (a reason added by a later release, the `qrMaxRetries` message) reads as `UNKNOWN`.
 */
export const disconnectReasons = [
  'LOGOUT',
  'NAVIGATION',
  'CONFLICT',
  'UNPAIRED',
  'UNPAIRED_IDLE',
  'UNLAUNCHED',
  'TOS_BLOCK',
  'SMB_TOS_BLOCK',
  'PROXYBLOCK',
  'DEPRECATED_VERSION',
  'TIMEOUT',
  'UNKNOWN',
] as const;

export type DisconnectReason = (typeof disconnectReasons)[number];

const known: ReadonlySet<string> = new Set(disconnectReasons);

/** The library's reason as one of ours; the raw text stays the session's `reason` for the user. */
export const parseDisconnectReason = (raw: string): DisconnectReason =>
  known.has(raw) ? (raw as DisconnectReason) : 'UNKNOWN';

/** Why a session left the registry (the `session.removed` event's `reason`). */
export const removalReasons = ['LOGOUT', 'DELETED', 'START_FAILED'] as const;

export type RemovalReason = (typeof removalReasons)[number];
