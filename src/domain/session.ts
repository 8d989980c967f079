import { z } from 'zod';

/**
 * The shapes of a session as the API, the events and the code all see them: written once as zod
 * schemas, the TypeScript types inferred from them.
 */
export const sessionStates = [
  'STARTING',
  'QR',
  'AUTHENTICATED',
  'READY',
  'DISCONNECTED',
  'CLOSING',
  'STOPPED',
  'FAILED',
] as const;

export const sessionStateSchema = z.enum(sessionStates);
export type SessionState = z.infer<typeof sessionStateSchema>;

/** States in which a client (and so a browser) is running and the session counts as live. */
export const liveStates: ReadonlySet<SessionState> = new Set(['STARTING', 'QR', 'AUTHENTICATED', 'READY']);

const isoTime = z.string().describe('ISO 8601');

export const meInfoSchema = z.object({
  wid: z.string().describe('e.g. 5511912345678@c.us'),
  name: z.string().nullable(),
});
export type MeInfo = z.infer<typeof meInfoSchema>;

export const webhookSettingsSchema = z.object({
  url: z.string(),
  events: z.array(z.string()).describe('Event types sent to it; * for all'),
});
export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;

export const qrCodeSchema = z.object({
  qr: z.string().describe('The raw QR payload'),
  at: isoTime.describe('When the library emitted it; it rotates every ~20 s'),
});
export type QrCode = z.infer<typeof qrCodeSchema>;

export const restartInfoSchema = z
  .object({
    attempt: z
      .number()
      .int()
      .describe('Which automatic restart is scheduled: 1 for the first since the session was last stable'),
    maxAttempts: z
      .number()
      .int()
      .describe('RESTART_MAX_ATTEMPTS: past it the session stays FAILED with reason RESTART_LIMIT'),
    nextAttemptAt: isoTime.describe('When it runs (exponential backoff with jitter)'),
  })
  .describe('A FAILED session that will be started again automatically');
export type RestartInfo = z.infer<typeof restartInfoSchema>;

export const sessionSnapshotSchema = z.object({
  id: z.string(),
  state: sessionStateSchema,
  reason: z.string().nullable().describe('Why it reached its state: LOGOUT, CONFLICT, BROWSER_EXITED, ...'),
  me: meInfoSchema.nullable().describe('The linked account, once READY'),
  hasQr: z.boolean().describe('A QR code is waiting to be scanned (GET /sessions/{id}/qr)'),
  createdAt: isoTime,
  updatedAt: isoTime,
  disconnectedAt: isoTime.nullable(),
  webhook: webhookSettingsSchema.nullable(),
  restart: restartInfoSchema
    .nullable()
    .describe('Set while an automatic restart of a FAILED session is pending'),
  instance: z
    .string()
    .nullable()
    .optional()
    .describe(
      'Cluster mode only: INSTANCE_ID of the instance running the session; null when none does (stopped, or waiting for a takeover)',
    ),
});
export type SessionSnapshot = z.infer<typeof sessionSnapshotSchema>;
