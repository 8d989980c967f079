import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhatsAppPort } from '../../src/whatsapp/port.js';
import { createWwebjsPort } from '../../src/whatsapp/wwebjs-port.js';
import { makeOggOpus, makePdf, makePng } from '../helpers/media-fixtures.js';
import { createRealClient, type RealClient } from '../helpers/real-client.js';

// The WhatsApp operations through the real whatsapp-web.js 1.34.7 in real Chromium, against the
// simulator page: proves that the page models what the library reads for each of them.

let rc: RealClient;
let wa: WhatsAppPort;

beforeAll(async () => {
  rc = await createRealClient();
  await rc.initialize();
  await rc.events.waitFor('qr');
  await rc.driver().scan({ phone: '15550000001' });
  await rc.events.waitFor('ready');
  wa = createWwebjsPort(rc.client);
});

afterAll(async () => {
  const { leftover } = await rc.cleanup();
  expect(leftover).toEqual([]);
});

describe('the simulator through the real library', () => {
  it('tells a number on WhatsApp from one that is not', async () => {
    await rc.driver().seedContact({ phone: '5511900000001', onWhatsApp: false });
    expect(await wa.numberId('5511900000001@c.us')).toBeNull();
    expect(await wa.numberId('5511912345678@c.us')).toBe('5511912345678@c.us');
  });

  it('delivers a PNG, a PDF and an Ogg/Opus voice note whose bytes come back unchanged', async () => {
    const files = [
      {
        type: 'image' as const,
        mimetype: 'image/png',
        bytes: makePng(),
        filename: undefined,
        caption: 'broken',
      },
      {
        type: 'document' as const,
        mimetype: 'application/pdf',
        bytes: makePdf(),
        filename: 'invoice.pdf',
        caption: '',
      },
      {
        type: 'ptt' as const,
        mimetype: 'audio/ogg; codecs=opus',
        bytes: makeOggOpus(1),
        filename: undefined,
        caption: '',
      },
    ];
    for (const file of files) {
      const since = rc.events.mark();
      const id = await rc.driver().incomingMessage({
        from: '4915112345678',
        body: file.caption,
        media: {
          type: file.type,
          mimetype: file.mimetype,
          data: file.bytes.toString('base64'),
          filename: file.filename,
        },
      });
      await rc.events.waitFor('message', { since });
      const view = await wa.message(id);
      expect(view).toMatchObject({
        type: file.type,
        hasMedia: true,
        body: file.caption,
        media: { mimetype: file.mimetype, size: file.bytes.length, filename: file.filename ?? null },
      });
      const media = await wa.downloadMedia(id);
      expect(media?.mimetype).toBe(file.mimetype);
      expect(Buffer.from(media?.data ?? '', 'base64').equals(file.bytes)).toBe(true);
    }
  });

  it('finds nothing once WhatsApp no longer has the file', async () => {
    const since = rc.events.mark();
    const id = await rc.driver().incomingMessage({
      from: '4915112345678',
      body: '',
      media: { type: 'image', mimetype: 'image/png', data: makePng().toString('base64') },
    });
    await rc.events.waitFor('message', { since });
    await rc.driver().expireMedia(id);
    expect(await wa.downloadMedia(id)).toBeNull();
  });

  it('lists chats with their history, marks one read and shows typing to the contact', async () => {
    const seeded = await rc.driver().seedChat({
      id: '5511987654321@c.us',
      name: 'Ana',
      pinned: true,
      muted: true,
      unreadCount: 2,
      messages: [
        { fromMe: false, body: 'one' },
        { fromMe: true, body: 'two' },
        { fromMe: false, body: 'three' },
      ],
    });
    const chat = (await wa.chats()).find((c) => c.id === '5511987654321@c.us');
    expect(chat).toMatchObject({
      name: 'Ana',
      isGroup: false,
      pinned: true,
      muted: true,
      archived: false,
      unreadCount: 2,
      lastMessage: { body: 'three', fromMe: false },
    });
    const history = await wa.messages('5511987654321@c.us', 2);
    expect(history.map((m) => [m.body, m.fromMe])).toEqual([
      ['two', true],
      ['three', false],
    ]);
    expect(history.map((m) => m.id)).toEqual(seeded.messages.slice(1));

    expect(await wa.markRead('5511987654321@c.us')).toBe(true);
    await wa.chatState('5511987654321@c.us', 'recording');
    const view = (await rc.driver().chats()).find((c) => c.id === '5511987654321@c.us');
    expect(view).toMatchObject({ unreadCount: 0, chatState: 'recording' });
  });

  it('lists contacts and reads one with its about and profile picture', async () => {
    await rc.driver().seedContact({
      phone: '5511955554444',
      name: 'Bruno Costa',
      pushname: 'Bruno',
      business: true,
      about: 'At work',
      profilePictureUrl: 'https://pps.whatsapp.net/v/sim/bruno.jpg',
    });
    const listed = (await wa.contacts()).find((c) => c.id === '5511955554444@c.us');
    expect(listed).toMatchObject({
      number: '5511955554444',
      name: 'Bruno Costa',
      pushname: 'Bruno',
      isBusiness: true,
      isMyContact: true,
      isWAContact: true,
    });
    expect(await wa.contact('5511955554444@c.us')).toMatchObject({
      about: 'At work',
      profilePictureUrl: 'https://pps.whatsapp.net/v/sim/bruno.jpg',
    });
    expect(await wa.contact('5511900000002@c.us')).toMatchObject({
      about: null,
      profilePictureUrl: null,
      isMyContact: false,
    });
  });
});
