import { describe, expect, it } from 'vitest';
import { startToQr } from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';
import { call, readySandbox } from './whatsapp-harness.js';

describe('numbers: on WhatsApp or not, through the real library', () => {
  it('answers whether a number is on WhatsApp, and refuses a send to one that is not with 422', async (context) => {
    const server = await readySandbox(context, 'num');
    await call(server, 'POST', '/sessions/num/simulator/contacts', 201, {
      phone: '5511900001111',
      onWhatsApp: false,
    });

    expect(
      await call(server, 'GET', '/sessions/num/contacts/check?phone=%2B55%2011%2091234-5678', 200),
    ).toEqual({
      number: '5511912345678',
      onWhatsApp: true,
      chatId: '5511912345678@c.us',
    });
    expect(await call(server, 'GET', '/sessions/num/contacts/check?phone=5511900001111', 200)).toEqual({
      number: '5511900001111',
      onWhatsApp: false,
      chatId: null,
    });

    const refused = await call(server, 'POST', '/sessions/num/messages', 422, {
      to: '+55 11 90000-1111',
      text: 'anyone there?',
    });
    expect(refused).toMatchObject({ code: 'not_on_whatsapp', chatId: '5511900001111@c.us' });
    await call(server, 'POST', '/sessions/num/messages', 201, { to: '5511912345678', text: 'hello' });
    const outbox = (await call(server, 'GET', '/sessions/num/simulator/outbox', 200)) as {
      messages: Array<{ to: string }>;
    };
    expect(outbox.messages.map((m) => m.to)).toEqual(['5511912345678@c.us']);
  });

  it('checks the number before the session: a bad one is 400, a good one 409 until READY', async (context) => {
    const server = await sandboxServer(context);
    await startToQr(server, 'early');
    const bad = await call(server, 'GET', '/sessions/early/contacts/check?phone=011%2091234', 400);
    expect(bad).toMatchObject({ code: 'invalid_query', errors: [{ path: 'query.phone' }] });
    await call(server, 'GET', '/sessions/early/contacts/check?phone=120363012345678901@g.us', 400);
    await call(server, 'GET', '/sessions/early/contacts/check', 400);
    const early = await call(server, 'GET', '/sessions/early/contacts/check?phone=5511912345678', 409);
    expect(early).toMatchObject({ code: 'session_not_ready', state: 'QR' });
  });
});
