import type WAWebJS from 'whatsapp-web.js';
import { appError } from '../error-catalog.js';
import type { AppError } from '../errors.js';
import type { GroupView, ParticipantResult, WhatsAppPort } from './port.js';

type GroupPort = Pick<
  WhatsAppPort,
  | 'createGroup'
  | 'group'
  | 'setGroupSubject'
  | 'setGroupDescription'
  | 'addParticipants'
  | 'changeParticipants'
  | 'inviteCode'
  | 'revokeInvite'
  | 'leaveGroup'
>;

const notAdmin = (detail: string) => appError('not_group_admin', detail);

/** whatsapp-web.js answers some refusals with a string instead of throwing ("AddParticipantsError: ..."). */
const refusal = (answer: string): AppError =>
  /admin/i.test(answer) ? notAdmin(answer) : appError('group_failed', answer);

const toGroupView = (chat: WAWebJS.GroupChat, me: string | null): GroupView => {
  // The typings leave groupMetadata out; the library sets it on every GroupChat (GroupChat._patch).
  const meta = (chat as unknown as { groupMetadata?: { creation?: unknown; subject?: unknown } })
    .groupMetadata;
  return {
    id: chat.id._serialized,
    subject: typeof meta?.subject === 'string' ? meta.subject : chat.name,
    description: chat.description ?? '',
    owner: chat.owner?._serialized ?? null,
    createdAt: typeof meta?.creation === 'number' ? meta.creation : null,
    participants: chat.participants.map((p) => ({
      id: p.id._serialized,
      isAdmin: Boolean(p.isAdmin),
      isSuperAdmin: Boolean(p.isSuperAdmin),
    })),
    iAmAdmin: chat.participants.some((p) => p.id._serialized === me && p.isAdmin),
  };
};

/** Group operations through whatsapp-web.js's GroupChat and Client calls. */
export const createWwebjsGroups = (client: WAWebJS.Client): GroupPort => {
  const groupChat = async (groupId: string): Promise<WAWebJS.GroupChat> => {
    const chat = await client.getChatById(groupId);
    if (!chat?.isGroup) throw appError('group_not_found', `No group ${groupId} in this session.`);
    return chat as WAWebJS.GroupChat;
  };
  return {
    async createGroup(subject, participants) {
      // No automatic invite message to those WhatsApp refuses: the caller sees the 403 and decides.
      const result = await client.createGroup(subject, participants, { autoSendInviteV4: false });
      if (typeof result === 'string') throw refusal(result);
      return {
        id: result.gid._serialized,
        participants: Object.entries(result.participants).map(([id, r]) => ({
          id,
          code: r.statusCode,
          message: r.message,
        })),
      };
    },
    async group(groupId) {
      const chat = await client.getChatById(groupId);
      const me = (client.info as WAWebJS.ClientInfo | undefined)?.wid?._serialized ?? null;
      return chat?.isGroup ? toGroupView(chat as WAWebJS.GroupChat, me) : null;
    },
    async setGroupSubject(groupId, subject) {
      return (await groupChat(groupId)).setSubject(subject);
    },
    async setGroupDescription(groupId, description) {
      return (await groupChat(groupId)).setDescription(description);
    },
    async addParticipants(groupId, participants): Promise<ParticipantResult[]> {
      const chat = await groupChat(groupId);
      // sleep 0: no pause between participants (a bound on the whole call is the caller's).
      const result: unknown = await chat.addParticipants(participants, { autoSendInviteV4: false, sleep: 0 });
      if (typeof result === 'string') throw refusal(result);
      // At run time one entry per participant is `{code, message, isInviteV4Sent}` (the typings nest it once more).
      return Object.entries(result as Record<string, { code?: unknown; message?: unknown }>).map(
        ([id, r]) => ({
          id,
          code: typeof r.code === 'number' ? r.code : 500,
          message: typeof r.message === 'string' ? r.message : 'No answer from WhatsApp',
        }),
      );
    },
    async changeParticipants(groupId, action, participants) {
      const chat = await groupChat(groupId);
      if (action === 'remove') await chat.removeParticipants(participants);
      else if (action === 'promote') await chat.promoteParticipants(participants);
      else await chat.demoteParticipants(participants);
    },
    async inviteCode(groupId) {
      const code = await (await groupChat(groupId)).getInviteCode();
      return typeof code === 'string' && code !== '' ? code : null;
    },
    async revokeInvite(groupId) {
      // At run time the new code (the typings say void).
      const code: unknown = await (await groupChat(groupId)).revokeInvite();
      if (typeof code !== 'string') throw appError('group_failed', 'WhatsApp gave no new invite code');
      return code;
    },
    async leaveGroup(groupId) {
      await (await groupChat(groupId)).leave();
    },
  };
};
