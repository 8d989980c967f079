import type { ContactDetail, ContactView } from './port.js';
import type { SessionRunner } from './runner.js';

export interface ContactPage {
  contacts: ContactView[];
  total: number;
  offset: number;
  limit: number;
}

const read = {
  what: 'contact read',
  code: 'contacts_failed',
  failure: 'WhatsApp Web did not read the contacts',
} as const;

/** Users only (no groups or broadcast lists), by name then number; `offset`/`limit` over that order. */
export const listContacts = async (
  run: SessionRunner,
  page: { offset: number; limit: number },
): Promise<ContactPage> => {
  const users = (await run(read, (wa) => wa.contacts())).filter((c) => c.id.endsWith('@c.us'));
  const key = (c: ContactView) => (c.name ?? c.pushname ?? '').toLocaleLowerCase();
  users.sort((a, b) => key(a).localeCompare(key(b)) || a.number.localeCompare(b.number));
  return { contacts: users.slice(page.offset, page.offset + page.limit), total: users.length, ...page };
};

export const getContact = (run: SessionRunner, contactId: string): Promise<ContactDetail> =>
  run(read, (wa) => wa.contact(contactId));
