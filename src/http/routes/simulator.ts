import { type Request, Router } from 'express';
import { z } from 'zod';
import { isAppError } from '../../errors.js';
import { isLogout } from '../../sessions/disconnect-policy.js';
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

export const messageSchema = z.strictObject({
  from: z.string().regex(/^\d{7,15}$/, { message: 'accepts 7 to 15 digits with the country code' }),
  body: z.string().min(1, { message: 'accepts a non-empty text' }).max(65_536),
});

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
  const driverOf = (req: Request): SimulatorDriver =>
    createSimulatorDriver(deps.manager.page(parseSessionId(req.params.id)));

  router.get('/sessions/:id/simulator', async (req, res) => {
    res.json(await driverOf(req).status());
  });
  router.post('/sessions/:id/simulator/scan', requireJsonBody, async (req, res) => {
    const body = parseBody(scanSchema, req) ?? {};
    await driverOf(req).scan(body);
    res.json({ scanned: true });
  });
  router.post('/sessions/:id/simulator/qr/rotate', async (req, res) => {
    res.json({ ref: await driverOf(req).rotateQr() });
  });
  router.post('/sessions/:id/simulator/pairing-code/confirm', requireJsonBody, async (req, res) => {
    const { code } = parseBody(codeSchema, req);
    await driverOf(req).confirmPairingCode(code);
    res.json({ confirmed: true });
  });
  router.post('/sessions/:id/simulator/messages', requireJsonBody, async (req, res) => {
    const { from, body } = parseBody(messageSchema, req);
    res.status(201).json({ id: await driverOf(req).incomingMessage({ from, body }) });
  });
  router.get('/sessions/:id/simulator/outbox', async (req, res) => {
    res.json({ messages: await driverOf(req).outbox() });
  });
  router.post('/sessions/:id/simulator/ack', requireJsonBody, async (req, res) => {
    const { messageId, ack } = parseBody(ackSchema, req);
    await driverOf(req).setAck(messageId, ack);
    res.json({ acked: true });
  });
  router.post('/sessions/:id/simulator/logout', async (req, res) => {
    const id = parseSessionId(req.params.id);
    try {
      await driverOf(req).logout();
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
    await driverOf(req).setState(state);
    res.json({ state });
  });
  return router;
};
