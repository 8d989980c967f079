import type { WhatsAppPort } from '../../src/whatsapp/port.js';

/** A WhatsAppPort whose every call rejects until a test replaces the method it needs. */
export const createFakePort = (overrides: Partial<WhatsAppPort> = {}): WhatsAppPort => {
  const unscripted = (name: string) => () => Promise.reject(new Error(`fake port: ${name} not scripted`));
  return {
    numberId: unscripted('numberId'),
    message: unscripted('message'),
    downloadMedia: unscripted('downloadMedia'),
    chats: unscripted('chats'),
    messages: unscripted('messages'),
    markRead: unscripted('markRead'),
    chatState: unscripted('chatState'),
    contacts: unscripted('contacts'),
    contact: unscripted('contact'),
    react: unscripted('react'),
    revoke: unscripted('revoke'),
    createGroup: unscripted('createGroup'),
    group: unscripted('group'),
    setGroupSubject: unscripted('setGroupSubject'),
    setGroupDescription: unscripted('setGroupDescription'),
    addParticipants: unscripted('addParticipants'),
    changeParticipants: unscripted('changeParticipants'),
    inviteCode: unscripted('inviteCode'),
    revokeInvite: unscripted('revokeInvite'),
    leaveGroup: unscripted('leaveGroup'),
    ...overrides,
  };
};
