import { describe, expect, it } from 'vitest';
import { startToQr } from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';
import { call, readySandbox } from './whatsapp-harness.js';

describe('contacts through the real library', () => {
  it('lists the contacts by name, page by page, and reads one with its about and profile picture', async (context) => {
    const server = await readySandbox(context, 'book');
    for (const contact of [
      {
        phone: '5511955554444',
        name: 'Bruno Costa',
        pushname: 'Bruno',
        business: true,
        about: 'At work',
        profilePictureUrl: 'https://pps.whatsapp.net/v/sim/bruno.jpg',
      },
      { phone: '5511933332222', name: 'Ana Lima' },
      { phone: '5511911110000', name: 'Carla', onWhatsApp: false },
    ]) {
      await call(server, 'POST', '/sessions/book/simulator/contacts', 201, contact);
    }
    // Someone not in the address book who wrote to us: WhatsApp knows them by their push name.
    await call(server, 'POST', '/sessions/book/simulator/messages', 201, {
      from: '4915123456789',
      body: 'hi',
    });

    const first = (await call(server, 'GET', '/sessions/book/contacts?limit=2', 200)) as {
      contacts: Array<Record<string, unknown>>;
      total: number;
    };
    expect(first.total).toBe(4);
    expect(first.contacts.map((c) => c.id)).toEqual(['4915123456789@c.us', '5511933332222@c.us']);
    expect(first.contacts[0]).toMatchObject({ name: null, pushname: '4915123456789', isMyContact: false });
    const rest = (await call(server, 'GET', '/sessions/book/contacts?limit=2&offset=2', 200)) as {
      contacts: Array<Record<string, unknown>>;
    };
    expect(rest.contacts).toEqual([
      {
        id: '5511955554444@c.us',
        number: '5511955554444',
        name: 'Bruno Costa',
        pushname: 'Bruno',
        isBusiness: true,
        isMyContact: true,
        isWAContact: true,
      },
      expect.objectContaining({ name: 'Carla', isWAContact: false }),
    ]);

    expect(await call(server, 'GET', '/sessions/book/contacts/5511955554444@c.us', 200)).toEqual({
      id: '5511955554444@c.us',
      number: '5511955554444',
      name: 'Bruno Costa',
      pushname: 'Bruno',
      isBusiness: true,
      isMyContact: true,
      isWAContact: true,
      about: 'At work',
      profilePictureUrl: 'https://pps.whatsapp.net/v/sim/bruno.jpg',
    });
    // No picture shared, no about: nulls, not an error.
    expect(await call(server, 'GET', '/sessions/book/contacts/5511933332222@c.us', 200)).toMatchObject({
      name: 'Ana Lima',
      about: null,
      profilePictureUrl: null,
    });
  });

  it('refuses a bad contact id with 400 before the session is asked', async (context) => {
    const server = await sandboxServer(context);
    await startToQr(server, 'early');
    for (const bad of ['5511955554444', 'abc@c.us', '120363012345678901@g.us', 'x@y']) {
      expect(await call(server, 'GET', `/sessions/early/contacts/${bad}`, 400)).toMatchObject({
        code: 'invalid_chat_id',
      });
    }
    await call(server, 'GET', '/sessions/early/contacts?limit=501', 400);
    expect(await call(server, 'GET', '/sessions/early/contacts', 409)).toMatchObject({
      code: 'session_not_ready',
    });
    await call(server, 'GET', '/sessions/early/contacts/5511955554444@c.us', 409);
  });
});
