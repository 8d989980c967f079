import { describe, expect, it } from 'vitest';
import { connectSse } from '../events/sse-client.js';
import { startToQr } from '../helpers/e2e.js';
import { TEST_API_KEY } from '../helpers/server-process.js';
import { sandboxServer } from './harness.js';
import { call, readySandbox } from './whatsapp-harness.js';

interface Delivered {
  type: string;
  payload: Record<string, unknown>;
}
interface Group {
  id: string;
  subject: string;
  description: string;
  owner: string | null;
  participants: Array<{ id: string; isAdmin: boolean; isSuperAdmin: boolean }>;
  iAmAdmin: boolean;
}

const ME = '15550000001@c.us';
const ANA = '5511933332222@c.us';
const BRUNO = '5511955554444@c.us';
const PRIVATE = '5511977776666@c.us';
const NOBODY = '5511900001111@c.us';

describe('groups through the real library', () => {
  it('creates a group (one result per participant), runs it, and leaves it', async (context) => {
    const server = await readySandbox(context, 'team');
    await call(server, 'POST', '/sessions/team/simulator/contacts', 201, {
      phone: '5511977776666',
      groupInvitesOnly: true,
    });
    await call(server, 'POST', '/sessions/team/simulator/contacts', 201, {
      phone: '5511900001111',
      onWhatsApp: false,
    });

    const created = (await call(server, 'POST', '/sessions/team/groups', 201, {
      subject: 'Support',
      participants: ['+55 11 93333-2222', PRIVATE, NOBODY],
    })) as { id: string; participants: Array<{ id: string; code: number }> };
    expect(created.id).toMatch(/^\d+@g\.us$/);
    expect(Object.fromEntries(created.participants.map((p) => [p.id, p.code]))).toEqual({
      [ANA]: 200,
      [PRIVATE]: 403,
      [NOBODY]: 404,
    });
    const path = `/sessions/team/groups/${created.id}`;

    const group = (await call(server, 'GET', path, 200)) as Group;
    expect(group).toMatchObject({ id: created.id, subject: 'Support', owner: ME, iAmAdmin: true });
    expect(group.participants).toEqual(
      expect.arrayContaining([
        { id: ME, isAdmin: true, isSuperAdmin: true },
        { id: ANA, isAdmin: false, isSuperAdmin: false },
      ]),
    );
    expect(group.participants).toHaveLength(2);

    await call(server, 'POST', `${path}/subject`, 200, { subject: 'Support desk' });
    await call(server, 'POST', `${path}/description`, 200, { description: 'Broken parts, refunds' });
    expect(await call(server, 'GET', path, 200)).toMatchObject({
      subject: 'Support desk',
      description: 'Broken parts, refunds',
    });

    // Per participant: WhatsApp refuses some and takes the others.
    const added = (await call(server, 'POST', `${path}/participants`, 200, {
      action: 'add',
      participants: [BRUNO, ANA, PRIVATE, NOBODY],
    })) as { results: Array<{ id: string; code: number }> };
    expect(Object.fromEntries(added.results.map((r) => [r.id, r.code]))).toEqual({
      [BRUNO]: 200,
      [ANA]: 409,
      [PRIVATE]: 403,
      [NOBODY]: 404,
    });
    const promoted = (await call(server, 'POST', `${path}/participants`, 200, {
      action: 'promote',
      participants: [BRUNO, PRIVATE],
    })) as { results: Array<{ id: string; code: number }> };
    expect(promoted.results).toEqual([
      { id: BRUNO, code: 200, message: 'Done' },
      { id: PRIVATE, code: 404, message: 'Not a participant of the group' },
    ]);
    await call(server, 'POST', `${path}/participants`, 200, { action: 'demote', participants: [BRUNO] });
    const removed = (await call(server, 'POST', `${path}/participants`, 200, {
      action: 'remove',
      participants: [ANA],
    })) as { results: Array<{ id: string; code: number }> };
    expect(removed.results).toEqual([{ id: ANA, code: 200, message: 'Done' }]);
    const after = (await call(server, 'GET', path, 200)) as Group;
    expect(after.participants.map((p) => [p.id, p.isAdmin]).sort()).toEqual(
      [
        [ME, true],
        [BRUNO, false],
      ].sort(),
    );

    const invite = (await call(server, 'GET', `${path}/invite`, 200)) as { code: string; link: string };
    expect(invite.link).toBe(`https://chat.whatsapp.com/${invite.code}`);
    const revoked = (await call(server, 'POST', `${path}/invite/revoke`, 200)) as { code: string };
    expect(revoked.code).not.toBe(invite.code);
    expect(((await call(server, 'GET', `${path}/invite`, 200)) as { code: string }).code).toBe(revoked.code);

    expect(await call(server, 'POST', `${path}/leave`, 200)).toEqual({ left: true });
    const left = (await call(server, 'GET', path, 200)) as Group;
    expect(left.participants.map((p) => p.id)).not.toContain(ME);
    expect(left.iAmAdmin).toBe(false);
    expect(await call(server, 'GET', `${path}/invite`, 403)).toMatchObject({ code: 'not_group_admin' });
  });

  it("turns others' changes into group.join, group.leave and group.update events; a non-admin is refused", async (context) => {
    const server = await readySandbox(context, 'member');
    const stream = await connectSse(`${server.baseUrl}/sessions/member/events`, {
      'x-api-key': TEST_API_KEY,
    });
    context.onTestFinished(() => stream.close());
    const next = async (): Promise<Delivered> => {
      for (;;) {
        const frame = await stream.nextEvent();
        if (frame.event?.startsWith('group.')) return JSON.parse(frame.data ?? '{}') as Delivered;
      }
    };
    const { id } = (await call(server, 'POST', '/sessions/member/simulator/groups', 201, {
      subject: 'Neighbours',
      owner: ANA,
      participants: [BRUNO],
    })) as { id: string };
    const event = (body: Record<string, unknown>) =>
      call(server, 'POST', '/sessions/member/simulator/groups/events', 200, {
        groupId: id,
        author: ANA,
        ...body,
      });

    await event({ action: 'add', participants: [PRIVATE] });
    expect(await next()).toMatchObject({
      type: 'group.join',
      payload: { groupId: id, author: ANA, action: 'add', participants: [PRIVATE] },
    });
    await event({ action: 'remove', participants: [BRUNO] });
    expect(await next()).toMatchObject({
      type: 'group.leave',
      payload: { action: 'remove', participants: [BRUNO] },
    });
    await event({ action: 'subject', value: 'Street 12' });
    expect(await next()).toMatchObject({
      type: 'group.update',
      payload: { action: 'subject', body: 'Street 12' },
    });
    await event({ action: 'promote', participants: [PRIVATE] });
    expect(await next()).toMatchObject({
      type: 'group.update',
      payload: { action: 'promote', participants: [PRIVATE] },
    });
    await call(server, 'POST', '/sessions/member/simulator/groups/events', 200, {
      groupId: id,
      author: PRIVATE,
      action: 'leave',
    });
    expect(await next()).toMatchObject({
      type: 'group.leave',
      payload: { action: 'leave', author: PRIVATE },
    });

    const group = (await call(server, 'GET', `/sessions/member/groups/${id}`, 200)) as Group;
    expect(group).toMatchObject({ subject: 'Street 12', owner: ANA, iAmAdmin: false });
    expect(group.participants.map((p) => p.id).sort()).toEqual([ME, ANA].sort());
    // Not an admin: WhatsApp would refuse, so nothing is asked of it.
    expect(
      await call(server, 'POST', `/sessions/member/groups/${id}/participants`, 403, {
        action: 'add',
        participants: [BRUNO],
      }),
    ).toMatchObject({ code: 'not_group_admin' });
    await call(server, 'GET', `/sessions/member/groups/${id}/invite`, 403);
    await call(server, 'GET', '/sessions/member/groups/120363000000000000@g.us', 404);
  });

  it('refuses bad group ids and bodies with 400 before the session is asked', async (context) => {
    const server = await sandboxServer(context);
    await startToQr(server, 'early');
    for (const bad of ['5511933332222@c.us', 'nope', 'x@g.us']) {
      expect(await call(server, 'GET', `/sessions/early/groups/${bad}`, 400)).toMatchObject({
        code: 'invalid_chat_id',
      });
      await call(server, 'POST', `/sessions/early/groups/${bad}/leave`, 400);
    }
    await call(server, 'POST', '/sessions/early/groups', 400, { subject: '', participants: [ANA] });
    await call(server, 'POST', '/sessions/early/groups', 400, { subject: 'x', participants: ['011 1234'] });
    await call(server, 'POST', '/sessions/early/groups', 400, { subject: 'x', participants: [] });
    await call(server, 'POST', '/sessions/early/groups/120363000000000000@g.us/participants', 400, {
      action: 'kick',
      participants: [ANA],
    });
    expect(
      await call(server, 'POST', '/sessions/early/groups', 409, { subject: 'x', participants: [ANA] }),
    ).toMatchObject({ code: 'session_not_ready' });
  });
});
