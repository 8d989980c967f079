import { Router } from 'express';
import { z } from 'zod';
import { appError } from '../../error-catalog.js';
import { parseRecipient } from '../../messages/recipient.js';
import type { SessionManager } from '../../sessions/types.js';
import {
  changeParticipants,
  createGroup,
  getGroup,
  getInvite,
  leaveGroup,
  revokeInvite,
  setGroupInfo,
} from '../../whatsapp/groups.js';
import { parseChatId } from '../../whatsapp/ids.js';
import { runnerFor } from '../../whatsapp/runner.js';
import { requireJsonBody } from '../json-body.js';
import { parseSessionId, sessionIdParam } from '../session-id.js';
import { parseBody } from '../validate.js';

/** A person, as a phone number with its country code or `<digits>@c.us`: checked by the one recipient rule. */
const person = z.string().transform((value, ctx) => {
  const result = parseRecipient(value);
  if (!result.ok || !result.chatId.endsWith('@c.us')) {
    ctx.addIssue({
      code: 'custom',
      message: result.ok ? 'accepts a person, not a group or lid id' : result.message,
    });
    return z.NEVER;
  }
  return result.chatId;
});
const people = z
  .array(person)
  .min(1)
  .max(50)
  .describe('Phone numbers with their country code, or <digits>@c.us');

export const createGroupBodySchema = z.strictObject({
  subject: z.string().trim().min(1).max(100),
  participants: people,
});
export const subjectBodySchema = z.strictObject({ subject: z.string().trim().min(1).max(100) });
export const descriptionBodySchema = z.strictObject({ description: z.string().max(2048) });
export const participantsBodySchema = z.strictObject({
  action: z.enum(['add', 'remove', 'promote', 'demote'], {
    message: 'accepts add, remove, promote or demote',
  }),
  participants: people,
});

const parseGroupId = (value: unknown): string => {
  const id = parseChatId(value, 'path.groupId');
  if (!id.endsWith('@g.us')) {
    throw appError('invalid_chat_id', 'path.groupId accepts a group id such as 120363012345678901@g.us', {
      details: { errors: [{ path: 'path.groupId', message: 'accepts <id>@g.us' }] },
    });
  }
  return id;
};

/** Groups under `/sessions/:id/groups`: create, read, subject, description, participants, invite, leave. */
export const createGroupsRouter = (deps: { manager: Pick<SessionManager, 'runOnReady'> }): Router => {
  const router = Router();
  router.param('id', sessionIdParam);
  const run = (id: unknown) => runnerFor(deps.manager, parseSessionId(id));

  router.post('/sessions/:id/groups', requireJsonBody, async (req, res) => {
    const { subject, participants } = parseBody(createGroupBodySchema, req);
    res.status(201).json(await createGroup(run(req.params.id), subject, participants));
  });
  router.get('/sessions/:id/groups/:groupId', async (req, res) => {
    res.json(await getGroup(run(req.params.id), parseGroupId(req.params.groupId)));
  });
  router.post('/sessions/:id/groups/:groupId/subject', requireJsonBody, async (req, res) => {
    const groupId = parseGroupId(req.params.groupId);
    const { subject } = parseBody(subjectBodySchema, req);
    await setGroupInfo(run(req.params.id), groupId, { subject });
    res.json({ subject });
  });
  router.post('/sessions/:id/groups/:groupId/description', requireJsonBody, async (req, res) => {
    const groupId = parseGroupId(req.params.groupId);
    const { description } = parseBody(descriptionBodySchema, req);
    await setGroupInfo(run(req.params.id), groupId, { description });
    res.json({ description });
  });
  router.post('/sessions/:id/groups/:groupId/participants', requireJsonBody, async (req, res) => {
    const groupId = parseGroupId(req.params.groupId);
    const { action, participants } = parseBody(participantsBodySchema, req);
    res.json({
      action,
      results: await changeParticipants(run(req.params.id), groupId, action, participants),
    });
  });
  router.get('/sessions/:id/groups/:groupId/invite', async (req, res) => {
    res.json(await getInvite(run(req.params.id), parseGroupId(req.params.groupId)));
  });
  router.post('/sessions/:id/groups/:groupId/invite/revoke', async (req, res) => {
    res.json(await revokeInvite(run(req.params.id), parseGroupId(req.params.groupId)));
  });
  router.post('/sessions/:id/groups/:groupId/leave', async (req, res) => {
    await leaveGroup(run(req.params.id), parseGroupId(req.params.groupId));
    res.json({ left: true });
  });
  return router;
};
