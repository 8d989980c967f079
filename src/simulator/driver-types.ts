/** What the simulator page holds and takes, as src/simulator/driver.ts hands it over. */

/** Socket states of WhatsApp Web; the library accepts CONNECTED, OPENING, PAIRING and TIMEOUT after ready. */
export type SimulatorSocketState =
  | 'CONNECTED'
  | 'OPENING'
  | 'PAIRING'
  | 'TIMEOUT'
  | 'UNLAUNCHED'
  | 'UNPAIRED'
  | 'UNPAIRED_IDLE'
  | 'CONFLICT'
  | 'TOS_BLOCK'
  | 'SMB_TOS_BLOCK'
  | 'PROXYBLOCK'
  | 'DEPRECATED_VERSION';

export interface SimulatorStatus {
  /** Random per page load: it changes when the page navigates (e.g. after LOGOUT). */
  pageId: string;
  version: string;
  state: SimulatorSocketState;
  paired: boolean;
  hasSynced: boolean;
  /** The QR ref while unpaired, else null. */
  ref: string | null;
  me: string | null;
  pushname: string | null;
  pairing: { phone: string; code: string } | null;
  outboxSize: number;
  /** Files the client downloaded from WhatsApp's media server. */
  mediaDownloads: number;
  /** Which of the library's page listeners are attached (they come in over several round trips). */
  listening: { qr: boolean; hasSynced: boolean; logout: boolean; messages: boolean };
}

export interface SimulatorOutboxEntry {
  id: string;
  to: string;
  body: string;
  type: string;
  /** Seconds since the epoch, as WhatsApp stamps messages. */
  t: number;
  ack: number;
  quotedMsgId: string | null;
  /** Deleted for everyone. */
  revoked: boolean;
}

export type SimulatorMediaType = 'image' | 'video' | 'audio' | 'ptt' | 'document' | 'sticker';

export interface SimulatorIncoming {
  from: string;
  /** The text, or the caption of a file. */
  body: string;
  media?: { type: SimulatorMediaType; mimetype: string; data: string; filename?: string | undefined };
  quotedMessageId?: string | undefined;
}

export interface SimulatorContact {
  phone: string;
  name?: string | undefined;
  pushname?: string | undefined;
  business?: boolean | undefined;
  about?: string | undefined;
  profilePictureUrl?: string | undefined;
  /** false: WhatsApp's directory does not know the number. Default true. */
  onWhatsApp?: boolean | undefined;
  /** false: not in the phone's address book. Default true. */
  inAddressBook?: boolean | undefined;
  /** true: only their contacts may add them to groups (WhatsApp answers 403 to an add). */
  groupInvitesOnly?: boolean | undefined;
}

export type SimulatorGroupAction =
  | 'add'
  | 'remove'
  | 'leave'
  | 'promote'
  | 'demote'
  | 'subject'
  | 'description';

export interface SimulatorChatSeed {
  id: string;
  name?: string | undefined;
  archived?: boolean | undefined;
  pinned?: boolean | undefined;
  muted?: boolean | undefined;
  unreadCount?: number | undefined;
  messages?: Array<{ fromMe: boolean; body: string; timestamp?: number | undefined }> | undefined;
}

export interface SimulatorChatView {
  id: string;
  unreadCount: number;
  /** What the contact sees the client doing: typing, recording, paused, or nothing yet. */
  chatState: 'typing' | 'recording' | 'paused' | null;
  messages: number;
}
