import type { WaEvent } from './types.js';

/**
 * Each state's words and mark: the mark and the text carry the meaning, the colour (a class per
 * tone) only repeats it.
 */
const states: Record<string, { label: string; mark: string; tone: string }> = {
  STARTING: { label: 'Starting', mark: '…', tone: 'pending' },
  QR: { label: 'Waiting for scan', mark: '▣', tone: 'pending' },
  AUTHENTICATED: { label: 'Authenticated', mark: '…', tone: 'pending' },
  READY: { label: 'Ready', mark: '✓', tone: 'ok' },
  DISCONNECTED: { label: 'Disconnected', mark: '!', tone: 'bad' },
  CLOSING: { label: 'Closing', mark: '…', tone: 'pending' },
  STOPPED: { label: 'Stopped', mark: '■', tone: 'idle' },
  FAILED: { label: 'Failed', mark: '✕', tone: 'bad' },
};

export const stateInfo = (state: string) => states[state] ?? { label: state, mark: '?', tone: 'idle' };

/** A time of day in the reader's locale: what "since" and "last event" mean at a glance. */
export const timeOf = (iso: string | number | Date): string => new Date(iso).toLocaleTimeString();

/** The number part of a WhatsApp id (`5511912345678@c.us` → `+5511912345678`). */
export const numberOf = (wid: string): string => {
  const user = wid.split('@')[0] ?? wid;
  return /^\d+$/.test(user) ? `+${user}` : user;
};

const removalWords: Record<string, string> = {
  LOGOUT: 'the phone unlinked it; cleaned up',
  DELETED: 'deleted',
  START_FAILED: 'it could not start',
};

export const removalText = (reason: string): string => removalWords[reason] ?? reason;

/** whatsapp-web.js's MessageAck values. */
const ackWords: Record<number, string> = {
  [-1]: 'in error',
  0: 'pending',
  1: 'on the server',
  2: 'delivered',
  3: 'read',
  4: 'played',
};

const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** One line per event for the recent-events list. */
export const describeEvent = (event: WaEvent): string => {
  const p = event.payload;
  switch (event.type) {
    case 'session.status':
      return `State ${str(p.previous ?? '—')} → ${str(p.state)}${p.reason ? ` (${str(p.reason)})` : ''}`;
    case 'session.qr':
      return 'New QR code';
    case 'session.removed':
      return `Removed: ${removalText(str(p.reason))}`;
    case 'message.received':
      return `Message ${p.fromMe ? 'to' : 'from'} ${numberOf(str(p.fromMe ? p.to : p.from))}: ${str(p.body)}`;
    case 'message.ack':
      return `A sent message is ${ackWords[Number(p.ack)] ?? `at ack ${str(p.ack)}`}`;
    default:
      return event.type;
  }
};
