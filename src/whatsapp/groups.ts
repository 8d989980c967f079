import { appError } from '../error-catalog.js';
import type { GroupView, ParticipantAction, ParticipantResult } from './port.js';
import type { SessionRunner } from './runner.js';

const call = (what: string) =>
  ({ what: `group ${what}`, code: 'group_failed', failure: `WhatsApp Web did not ${what}` }) as const;

const notFound = (groupId: string) => appError('group_not_found', `No group ${groupId} in this session.`);
const notAdmin = (groupId: string) =>
  appError('not_group_admin', `This account is not an admin of ${groupId}.`);

export const inviteLink = (code: string) => ({ code, link: `https://chat.whatsapp.com/${code}` });

export const createGroup = (run: SessionRunner, subject: string, participants: string[]) =>
  run(call('create the group'), (wa) => wa.createGroup(subject, participants));

export const getGroup = async (run: SessionRunner, groupId: string): Promise<GroupView> => {
  const group = await run(call('read the group'), (wa) => wa.group(groupId));
  if (!group) throw notFound(groupId);
  return group;
};

/** Subject or description; WhatsApp's refusal (not allowed to edit) is a 403. */
export const setGroupInfo = async (
  run: SessionRunner,
  groupId: string,
  info: { subject: string } | { description: string },
): Promise<void> => {
  await getGroup(run, groupId);
  const done = await run(call('change the group'), (wa) =>
    'subject' in info
      ? wa.setGroupSubject(groupId, info.subject)
      : wa.setGroupDescription(groupId, info.description),
  );
  if (!done) throw appError('group_change_refused', `WhatsApp refused to change ${groupId}.`);
};

const MESSAGES: Record<number, string> = {
  200: 'Done',
  403: 'Only admins may do this',
  404: 'Not a participant of the group',
  500: 'WhatsApp did not apply the change',
};

/**
 * Adds, removes, promotes or demotes participants; one result per participant, since WhatsApp
 * refuses some (add: 403 invites only, 404 not on WhatsApp, 409 already a member). For remove,
 * promote and demote whatsapp-web.js answers for the whole call, so each result is read back from
 * the group afterwards.
 */
export const changeParticipants = async (
  run: SessionRunner,
  groupId: string,
  action: ParticipantAction | 'add',
  participants: string[],
): Promise<ParticipantResult[]> => {
  const before = await getGroup(run, groupId);
  if (!before.iAmAdmin) throw notAdmin(groupId);
  if (action === 'add') {
    return run(call('add the participants'), (wa) => wa.addParticipants(groupId, participants));
  }
  const member = (group: GroupView, id: string) => group.participants.find((p) => p.id === id);
  const present = participants.filter((id) => member(before, id));
  if (present.length > 0) {
    await run(call(`${action} the participants`), (wa) => wa.changeParticipants(groupId, action, present));
  }
  const after = await getGroup(run, groupId);
  return participants.map((id) => {
    if (!member(before, id)) return { id, code: 404, message: MESSAGES[404] ?? '' };
    const now = member(after, id);
    const done =
      action === 'remove'
        ? !now
        : action === 'promote'
          ? now?.isAdmin === true
          : now !== undefined && !now.isAdmin;
    const code = done ? 200 : member(before, id)?.isSuperAdmin ? 403 : 500;
    return { id, code, message: MESSAGES[code] ?? '' };
  });
};

export const getInvite = async (run: SessionRunner, groupId: string) => {
  const group = await getGroup(run, groupId);
  if (!group.iAmAdmin) throw notAdmin(groupId);
  const code = await run(call('give the invite code'), (wa) => wa.inviteCode(groupId));
  if (!code) throw notAdmin(groupId);
  return inviteLink(code);
};

export const revokeInvite = async (run: SessionRunner, groupId: string) => {
  const group = await getGroup(run, groupId);
  if (!group.iAmAdmin) throw notAdmin(groupId);
  return inviteLink(await run(call('revoke the invite'), (wa) => wa.revokeInvite(groupId)));
};

export const leaveGroup = async (run: SessionRunner, groupId: string): Promise<void> => {
  await getGroup(run, groupId);
  await run(call('leave the group'), (wa) => wa.leaveGroup(groupId));
};
