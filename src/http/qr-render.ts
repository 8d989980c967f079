import { appError } from '../error-catalog.js';

/**
 * WhatsApp's QR payloads are a few hundred characters; anything far longer is a bug upstream, and
 * refusing it keeps one render to a fixed, small amount of work.
 */
const MAX_QR_LENGTH = 2048;
const PNG_OPTIONS = { type: 'png', width: 320, margin: 2, errorCorrectionLevel: 'M' } as const;
const TERMINAL_OPTIONS = { type: 'terminal', small: true, errorCorrectionLevel: 'L' } as const;

/**
 * qrcode is loaded at the first render: most requests, and a server whose sessions are all linked,
 * never draw a QR (about 1 MiB of heap and 10 MiB of RSS when loaded).
 */
let qrcode: Promise<typeof import('qrcode')> | undefined;
const loadQrcode = () => {
  qrcode ??= import('qrcode');
  return qrcode;
};

export interface QrRenderer {
  png(qr: string): Promise<Buffer>;
  /** `data:image/png;base64,...` of the same PNG. */
  dataUrl(qr: string): Promise<string>;
  /** Block characters for a terminal (`curl .../qr?format=text`). */
  terminal(qr: string): Promise<string>;
}

/**
 * Renders QR payloads, keeping the last few results: clients poll the QR every second or two while
 * it waits for a scan, and the payload only changes every ~20 s, so most requests render nothing.
 */
export const createQrRenderer = (options: { cacheSize?: number } = {}): QrRenderer => {
  const cacheSize = options.cacheSize ?? 32;
  const cache = new Map<string, Promise<Buffer | string>>();

  const remember = <T extends Buffer | string>(key: string, render: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key);
    if (hit) {
      // Refresh its place so the map's insertion order is least-recently-used first.
      cache.delete(key);
      cache.set(key, hit);
      return hit as Promise<T>;
    }
    const rendered = render();
    cache.set(key, rendered);
    rendered.catch(() => cache.delete(key));
    while (cache.size > cacheSize) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
    return rendered;
  };

  const checked = (qr: string): string => {
    if (qr === '' || qr.length > MAX_QR_LENGTH) {
      throw appError('internal', `The pending QR payload has an unexpected length (${qr.length})`);
    }
    return qr;
  };

  const png = (qr: string): Promise<Buffer> =>
    remember(`png:${qr}`, async () => (await loadQrcode()).toBuffer(checked(qr), PNG_OPTIONS));

  return {
    png,
    dataUrl: async (qr) => `data:image/png;base64,${(await png(qr)).toString('base64')}`,
    terminal: (qr) =>
      remember(`terminal:${qr}`, async () => (await loadQrcode()).toString(checked(qr), TERMINAL_OPTIONS)),
  };
};
