import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { normalizeRecipient, parseRecipient } from '../../src/messages/recipient.js';

describe('recipient normalisation', () => {
  it.each([
    // Brazil
    ['+55 (11) 91234-5678', '5511912345678@c.us'],
    ['+55 11 91234 5678', '5511912345678@c.us'],
    ['0055 11 91234-5678', '5511912345678@c.us'],
    ['+55.11.91234.5678', '5511912345678@c.us'],
    // United States
    ['+1 415-555-0132', '14155550132@c.us'],
    ['+1 (415) 555-0132', '14155550132@c.us'],
    ['001 415 555 0132', '14155550132@c.us'],
    // Germany, with and without the (0) trunk digit
    ['0049 30 1234567', '49301234567@c.us'],
    ['+49 (0)30 1234567', '49301234567@c.us'],
    ['+49 30/1234567', '49301234567@c.us'],
    // India
    ['+91 98765 43210', '919876543210@c.us'],
    ['+91-98765-43210', '919876543210@c.us'],
    // Bare digits are already international (WhatsApp's own notation)
    ['5511912345678', '5511912345678@c.us'],
    ['  +55 11 91234-5678  ', '5511912345678@c.us'],
    // Chat ids
    ['5511912345678@c.us', '5511912345678@c.us'],
    ['5511912345678@s.whatsapp.net', '5511912345678@c.us'],
    ['120363012345678901@g.us', '120363012345678901@g.us'],
    ['5511912345678-1581234567@g.us', '5511912345678-1581234567@g.us'],
    ['123456789012345@lid', '123456789012345@lid'],
  ])('%s → %s', (input, chatId) => {
    expect(parseRecipient(input)).toEqual({ ok: true, chatId });
  });

  it.each([
    ['(11) 91234-5678', /country code is needed/],
    ['030 1234567', /country code is needed/],
    ['0301234567', /country code is needed/],
    ['415-555-0132', /country code is needed/],
    ['+55 11 9123A-5678', /country code/],
    ['call me', /country code/],
    ['+123456', /6 digits/],
    ['+1234567890123456', /16 digits/],
    ['+0 30 1234567', /starting with 0/],
    ['+55+11912345678', /\+ that is not at the start/],
    ['', /required/],
    ['   ', /required/],
    ['12345@c.us', /7 to 15 digits/],
    ['abc@c.us', /7 to 15 digits/],
    ['group@g.us', /group id/],
    ['abc@lid', /@lid/],
    ['someone@example.com', /not a WhatsApp chat id/],
  ])('refuses %j', (input, message) => {
    const result = parseRecipient(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it('throws a 400 naming the field for callers outside a schema', () => {
    expect(normalizeRecipient('+55 11 91234-5678')).toBe('5511912345678@c.us');
    let caught: unknown;
    try {
      normalizeRecipient('(11) 91234-5678');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({
      status: 400,
      code: 'invalid_recipient',
      details: { errors: [{ path: 'body.to' }] },
    });
    expect((caught as AppError).message).toMatch(/^to .*country code/);
  });
});
