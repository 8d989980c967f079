import { appError } from '../error-catalog.js';
import { AppError } from '../errors.js';

export interface FetchedMedia {
  mimetype: string;
  /** base64 */
  data: string;
  filename: string | null;
}

export type MediaFetcher = (url: string) => Promise<FetchedMedia>;

export interface MediaFetcherDeps {
  /** Defaults to the global fetch; main passes a guarded one (guarded-fetch.ts). */
  fetch?: (url: URL, init: RequestInit) => Promise<Response>;
  /** Largest file accepted, in bytes (decoded). */
  maxBytes: number;
  /** For the whole download, headers and body. */
  timeoutMs: number;
}

export const mediaTooLarge = (maxBytes: number): AppError =>
  appError('media_too_large', `The media is larger than the limit of ${maxBytes} bytes`, {
    details: { limitBytes: maxBytes },
  });

/**
 * Downloads media for a message. The body is streamed and counted, so a file past the limit is cut
 * off at the limit rather than buffered whole (Content-Length can be absent or lie). The URL is never
 * put in an error or a log: it often carries a signed token.
 */
export const createMediaFetcher = (deps: MediaFetcherDeps): MediaFetcher => {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  return async (url) => {
    const parsed = parseHttpUrl(url);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('media download timed out'));
    }, deps.timeoutMs);
    try {
      const response = await race(
        fetchImpl(parsed, { signal: controller.signal, redirect: 'follow' }),
        controller,
      );
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw appError('media_fetch_failed', `The media URL answered HTTP ${response.status}`, {
          details: { status: response.status },
        });
      }
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(declared) && declared > deps.maxBytes) {
        controller.abort();
        throw mediaTooLarge(deps.maxBytes);
      }
      const bytes = await readAtMost(response, deps.maxBytes, controller);
      if (bytes.length === 0) throw appError('media_fetch_failed', 'The media URL answered an empty body');
      return {
        mimetype: mimetypeOf(response.headers.get('content-type')),
        data: bytes.toString('base64'),
        filename: filenameOf(
          response.headers.get('content-disposition'),
          new URL(response.url || parsed.href),
        ),
      };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (timedOut) {
        throw appError('media_timeout', `The media download did not finish within ${deps.timeoutMs} ms`);
      }
      throw appError('media_fetch_failed', 'The media URL could not be fetched', { cause: err });
    } finally {
      clearTimeout(timer);
    }
  };
};

const parseHttpUrl = (value: string): URL => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw appError('invalid_body', 'The request body is not valid', {
      details: { errors: [{ path: 'body.media.url', message: 'accepts an http(s) URL' }] },
    });
  }
  return url;
};

/** Awaits `work`, but gives up as soon as the controller aborts, even if `work` ignores the signal. */
const race = <T>(work: Promise<T>, controller: AbortController): Promise<T> =>
  Promise.race([
    work,
    new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    }),
  ]);

const readAtMost = async (
  response: Response,
  maxBytes: number,
  controller: AbortController,
): Promise<Buffer> => {
  const body = response.body;
  if (body === null) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = await race(reader.read(), controller);
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > maxBytes) {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      throw mediaTooLarge(maxBytes);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks, total);
};

const mimetypeOf = (contentType: string | null): string => {
  const value = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[\w.+-]+\/[\w.+-]+$/.test(value) ? value : 'application/octet-stream';
};

/** Content-Disposition's name first (RFC 6266, `filename*` preferred), else the URL's last segment. */
const filenameOf = (disposition: string | null, url: URL): string | null => {
  const star = disposition?.match(/filename\*\s*=\s*[\w-]+'[^']*'([^;]+)/i)?.[1];
  const plain = disposition?.match(/filename\s*=\s*"?([^";]+)"?/i)?.[1];
  const segment = url.pathname.split('/').pop();
  for (const candidate of [star, plain, segment]) {
    if (candidate === undefined || candidate === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(candidate.trim());
    } catch {
      decoded = candidate.trim();
    }
    // Only a bare name: no directory part, no control characters, within what file systems take.
    const name = decoded.replace(/[/\\\p{Cc}]/gu, '_').slice(0, 255);
    if (name !== '' && name !== '.' && name !== '..') return name;
  }
  return null;
};
