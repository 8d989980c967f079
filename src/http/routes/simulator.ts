import { type Request, Router } from 'express';
import { z } from 'zod';
import { isAppError } from '../../errors.js';
import { isLogout } from '../../sessions/disconnect-policy.js';
import { wrongState } from '../../sessions/session-errors.js';
import type { SessionManager } from '../../sessions/types.js';
import { createSimulatorDriver, type SimulatorDriver } from '../../simulator/driver.js';
import { requireJsonBody } from '../json-body.js';
import { parseSessionId, sessionIdParam } from '../session-id.js';
import { parseBody } from '../validate.js';

export const scanSchema = z
  .strictObject({
    phone: z
      .string()
      .regex(/^\d{7,15}$/, { message: 'accepts 7 to 15 digits with the country code' })
      .optional(),
    pushname: z.string().min(1).max(64).optional(),
  })
  .optional();

const digits = z.string().regex(/^\d{7,15}$/, { message: 'accepts 7 to 15 digits with the country code' });

export const messageSchema = z
  .strictObject({
    from: digits,
    body: z.string().max(65_536).default('').describe('The text, or the caption of a file'),
    media: z
      .strictObject({
        type: z.enum(['image', 'video', 'audio', 'ptt', 'document', 'sticker']).describe('ptt: a voice note'),
        mimetype: z
          .string()
          .regex(/^[\w.+-]+\/[\w.+-]+(;\s*[\w-]+=[\w.+-]+)*$/, { message: 'accepts a mimetype' }),
        data: z.base64({ message: 'accepts the file as base64' }).max(16_000_000),
        filename: z.string().min(1).max(255).optional(),
      })
      .optional()
      .describe('A file the contact sends'),
    quotedMessageId: z.string().min(1).max(200).optional().describe('The message this one replies to'),
  })
  .refine((m) => m.body !== '' || m.media !== undefined, {
    message: 'accepts a non-empty text, or a file',
    path: ['body'],
  });

export const contactSchema = z.strictObject({
  phone: digits,
  name: z.string().min(1).max(128).optional(),
  pushname: z.string().min(1).max(128).optional(),
  business: z.boolean().optional(),
  about: z.string().max(1024).optional(),
  profilePictureUrl: z.url().max(2048).optional(),
  onWhatsApp: z.boolean().optional().describe('false: WhatsApp does not know the number (default true)'),
  inAddressBook: z
    .boolean()
    .optional()
    .describe("false: not saved in the phone's address book (default true)"),
  groupInvitesOnly: z
    .boolean()
    .optional()
    .describe('true: only their contacts may add them to groups; WhatsApp refuses an add with 403'),
});

const wid = z.string().regex(/^\d{7,15}@c\.us$/, { message: 'accepts <digits>@c.us' });

export const groupSeedSchema = z.strictObject({
  subject: z.string().min(1).max(100),
  owner: wid.describe('Who created it (an admin)'),
  participants: z.array(wid).max(256).optional().describe('Members besides the owner and this session'),
  admins: z.array(wid).max(256).optional().describe('Members who are admins (this session too, if listed)'),
});

export const groupEventSchema = z.strictObject({
  groupId: z.string().regex(/^\d{5,25}@g\.us$/, { message: 'accepts <id>@g.us' }),
  author: wid.describe('Who does it'),
  action: z.enum(['add', 'remove', 'leave', 'promote', 'demote', 'subject', 'description']),
  participants: z
    .array(wid)
    .max(256)
    .optional()
    .describe('Whom it is done to (add, remove, promote, demote)'),
  value: z.string().max(2048).optional().describe('The new subject or description'),
});

export const chatSeedSchema = z.strictObject({
  id: z.string().regex(/^\d{7,15}@c\.us$/, { message: 'accepts <digits>@c.us' }),
  name: z.string().min(1).max(128).optional(),
  archived: z.boolean().optional(),
  pinned: z.boolean().optional(),
  muted: z.boolean().optional(),
  unreadCount: z.number().int().min(0).max(10_000).optional(),
  messages: z
    .array(
      z.strictObject({
        fromMe: z.boolean(),
        body: z.string().min(1).max(65_536),
        timestamp: z.number().int().min(0).optional(),
      }),
    )
    .max(1000)
    .optional()
    .describe('The history, oldest first'),
});

export const reactionSchema = z.strictObject({
  from: digits,
  messageId: z.string().min(1).max(200),
  reaction: z.string().max(16).describe('An emoji; empty takes the reaction back'),
});

export const revokeSchema = z.strictObject({ messageId: z.string().min(1).max(200) });

export const editSchema = z.strictObject({
  messageId: z.string().min(1).max(200),
  body: z.string().min(1).max(65_536),
});

export const expireSchema = z.strictObject({ messageId: z.string().min(1).max(200) });

export const stateSchema = z.strictObject({
  state: z.enum(
    ['CONNECTED', 'CONFLICT', 'TOS_BLOCK', 'SMB_TOS_BLOCK', 'UNPAIRED', 'UNPAIRED_IDLE', 'TIMEOUT'],
    {
      message: 'accepts CONNECTED, CONFLICT, TOS_BLOCK, SMB_TOS_BLOCK, UNPAIRED, UNPAIRED_IDLE or TIMEOUT',
    },
  ),
});

export const codeSchema = z.strictObject({ code: z.string().min(1).max(16) });

export const ackSchema = z.strictObject({
  messageId: z.string().min(1).max(256),
  ack: z.number().int().min(-1).max(4),
});

/**
 * Sandbox mode (SIMULATOR=true): routes that play the phone and WhatsApp's servers for a session, so
 * a whole integration can be built and tested without a phone. Mounted only in sandbox mode: outside
 * it, these paths do not exist (404).
 */
export const createSimulatorRouter = (deps: { manager: Pick<SessionManager, 'page' | 'get'> }): Router => {
  const router = Router();
  router.param('id', sessionIdParam);
  /** The session took the LOGOUT: DISCONNECTED with that reason, or already cleaned up and gone. */
  const sawLogout = (id: string): boolean => {
    try {
      const session = deps.manager.get(id);
      return isLogout(session.reason) || session.state === 'CLOSING';
    } catch (err) {
      return isAppError(err) && err.code === 'session_not_found';
    }
  };
  /**
   * Runs `work` on the session's page. A call that fails because a teardown (stop, DELETE, CONFLICT,
   * a killed browser) closed the page under it ("Target closed") is not the simulator's fault: it
   * answers as every other route does, 409 with the session's state (404 when it is gone).
   */
  const withDriver = async <T>(req: Request, work: (driver: SimulatorDriver) => Promise<T>): Promise<T> => {
    const id = parseSessionId(req.params.id);
    const page = deps.manager.page(id);
    try {
      return await work(createSimulatorDriver(page));
    } catch (err) {
      // Throws the 409 (no browser, with the state) or the 404 itself when the page is gone.
      if (deps.manager.page(id) !== page) {
        const { state } = deps.manager.get(id);
        throw wrongState('no_browser', `Session "${id}" has a new browser (it is ${state}).`, state);
      }
      throw err;
    }
  };

  router.get('/sessions/:id/simulator', async (req, res) => {
    res.json(await withDriver(req, (d) => d.status()));
  });
  router.post('/sessions/:id/simulator/scan', requireJsonBody, async (req, res) => {
    const body = parseBody(scanSchema, req) ?? {};
    await withDriver(req, (d) => d.scan(body));
    res.json({ scanned: true });
  });
  router.post('/sessions/:id/simulator/qr/rotate', async (req, res) => {
    res.json({ ref: await withDriver(req, (d) => d.rotateQr()) });
  });
  router.post('/sessions/:id/simulator/pairing-code/confirm', requireJsonBody, async (req, res) => {
    const { code } = parseBody(codeSchema, req);
    await withDriver(req, (d) => d.confirmPairingCode(code));
    res.json({ confirmed: true });
  });
  router.post('/sessions/:id/simulator/messages', requireJsonBody, async (req, res) => {
    const { from, body, media, quotedMessageId } = parseBody(messageSchema, req);
    const id = await withDriver(req, (d) =>
      d.incomingMessage({
        from,
        body,
        ...(media ? { media } : {}),
        ...(quotedMessageId ? { quotedMessageId } : {}),
      }),
    );
    res.status(201).json({ id });
  });
  router.post('/sessions/:id/simulator/reactions', requireJsonBody, async (req, res) => {
    const reaction = parseBody(reactionSchema, req);
    res.status(201).json({ id: await withDriver(req, (d) => d.incomingReaction(reaction)) });
  });
  router.post('/sessions/:id/simulator/revoke', requireJsonBody, async (req, res) => {
    const { messageId } = parseBody(revokeSchema, req);
    await withDriver(req, (d) => d.revokeIncoming(messageId));
    res.json({ revoked: true });
  });
  router.post('/sessions/:id/simulator/edit', requireJsonBody, async (req, res) => {
    const edit = parseBody(editSchema, req);
    await withDriver(req, (d) => d.editIncoming(edit));
    res.json({ edited: true });
  });
  router.post('/sessions/:id/simulator/groups', requireJsonBody, async (req, res) => {
    const group = parseBody(groupSeedSchema, req);
    res.status(201).json({ id: await withDriver(req, (d) => d.seedGroup(group)) });
  });
  router.post('/sessions/:id/simulator/groups/events', requireJsonBody, async (req, res) => {
    const event = parseBody(groupEventSchema, req);
    await withDriver(req, (d) => d.groupEvent(event));
    res.json({ delivered: true });
  });
  router.post('/sessions/:id/simulator/media/expire', requireJsonBody, async (req, res) => {
    const { messageId } = parseBody(expireSchema, req);
    await withDriver(req, (d) => d.expireMedia(messageId));
    res.json({ expired: true });
  });
  router.post('/sessions/:id/simulator/contacts', requireJsonBody, async (req, res) => {
    const contact = parseBody(contactSchema, req);
    res.status(201).json({ id: await withDriver(req, (d) => d.seedContact(contact)) });
  });
  router.post('/sessions/:id/simulator/chats', requireJsonBody, async (req, res) => {
    const chat = parseBody(chatSeedSchema, req);
    res.status(201).json(await withDriver(req, (d) => d.seedChat(chat)));
  });
  router.get('/sessions/:id/simulator/chats', async (req, res) => {
    res.json({ chats: await withDriver(req, (d) => d.chats()) });
  });
  router.get('/sessions/:id/simulator/outbox', async (req, res) => {
    res.json(
      await withDriver(req, async (d) => ({
        messages: await d.outbox(),
        reactions: await d.sentReactions(),
      })),
    );
  });
  router.post('/sessions/:id/simulator/ack', requireJsonBody, async (req, res) => {
    const { messageId, ack } = parseBody(ackSchema, req);
    await withDriver(req, (d) => d.setAck(messageId, ack));
    res.json({ acked: true });
  });
  router.post('/sessions/:id/simulator/logout', async (req, res) => {
    const id = parseSessionId(req.params.id);
    try {
      await withDriver(req, (d) => d.logout());
    } catch (err) {
      // The driver waits for the page to load again after the unlink; with a short
      // LOGOUT_CLEANUP_DELAY_MS the server may tear the browser down first. The unlink happened
      // all the same when the session saw it.
      if (!sawLogout(id)) throw err;
    }
    res.json({ loggedOut: true });
  });
  router.post('/sessions/:id/simulator/state', requireJsonBody, async (req, res) => {
    const { state } = parseBody(stateSchema, req);
    await withDriver(req, (d) => d.setState(state));
    res.json({ state });
  });
  return router;
};
