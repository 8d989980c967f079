import type { Problem } from './types.js';

/** A failed call: the server's problem+json, shown as it came (title and detail), never swallowed. */
export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.title}: ${problem.detail}`);
    this.name = 'ApiError';
    this.problem = problem;
  }
}

/**
 * An API path relative to the page: the page is `<prefix>/dashboard/`, the API `<prefix>/`. Nothing
 * absolute, so the dashboard works wherever a proxy mounts the server.
 */
export const apiUrl = (path: string, base: string = document.baseURI): string =>
  new URL(`../${path}`, base).toString();

export const unreachable = (detail: string): Problem => ({
  status: 0,
  title: 'Server unreachable',
  detail,
  code: 'network_error',
});

const problemOf = async (res: Response): Promise<Problem> => {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    return {
      status: res.status,
      title: typeof body.title === 'string' ? body.title : res.statusText,
      detail: typeof body.detail === 'string' ? body.detail : '',
      ...(typeof body.code === 'string' ? { code: body.code } : {}),
    };
  } catch {
    // Not problem+json (a proxy's own page): its status and the start of its text.
    return { status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: text.slice(0, 200) };
  }
};

export interface Api {
  /** JSON in and out; null for an answer without a body. Throws ApiError. */
  call<T>(method: string, path: string, body?: unknown, accept?: string): Promise<T | null>;
  /** The key as a header, for the event stream's own fetch. */
  readonly headers: Record<string, string>;
}

/** Every call carries the key in a header, never in a URL (URLs end up in logs and history). */
export const createApi = (key: string): Api => {
  const headers = { 'X-Api-Key': key };
  return {
    headers,
    async call<T>(method: string, path: string, body?: unknown, accept = 'application/json') {
      let res: Response;
      try {
        res = await fetch(apiUrl(path), {
          method,
          headers: {
            ...headers,
            accept,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? null : JSON.stringify(body),
          cache: 'no-store',
          signal: AbortSignal.timeout(60_000),
        });
      } catch (err) {
        throw new ApiError(unreachable(err instanceof Error ? err.message : String(err)));
      }
      if (!res.ok) throw new ApiError(await problemOf(res));
      if (res.status === 204 || res.status === 202) return null;
      return (await res.json()) as T;
    },
  };
};
