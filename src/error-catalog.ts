import { AppError } from './errors.js';
import type { TimeoutError } from './timeout.js';

const entry = (status: number, title: string) => ({ status, title });

/**
 * Every code the API can answer, with its HTTP status and a short title, defined once: the routes,
 * the session registry, the simulator driver, the OpenAPI document and the tests' fakes all take
 * them from here (`appError`). A problem body's own `title` stays the status phrase (RFC 9457
 * §4.2.1, `type: about:blank`); this title names the code in the OpenAPI document.
 */
export const errorCatalog = {
  bad_request: entry(400, 'The request is not valid'),
  invalid_request: entry(400, 'The request is not valid'),
  invalid_json: entry(400, 'The body is not valid JSON'),
  invalid_body: entry(400, 'A field of the body is not valid'),
  invalid_query: entry(400, 'A query parameter is not valid'),
  invalid_session_id: entry(400, 'The session id is not valid'),
  invalid_recipient: entry(400, 'The recipient is not a phone number or chat id'),
  invalid_chat_id: entry(400, 'The chat id is not valid'),
  invalid_message_id: entry(400, 'The message id is not valid'),
  invalid_last_event_id: entry(400, 'Last-Event-ID is not an event id'),
  media_url_forbidden: entry(400, 'The media URL points to a private or local address'),
  webhook_url_forbidden: entry(400, 'The webhook URL points to a private or local address'),
  request_aborted: entry(400, 'The request was aborted'),
  simulator_bad_request: entry(400, 'The simulator refused the request'),
  unauthorized: entry(401, 'An API key is missing or not valid'),
  not_group_admin: entry(403, 'This account is not an admin of the group'),
  group_change_refused: entry(403, 'WhatsApp refused to change the group'),
  not_found: entry(404, 'Nothing here'),
  session_not_found: entry(404, 'No such session'),
  message_not_found: entry(404, 'No such message'),
  no_media: entry(404, 'The message has no file'),
  media_expired: entry(404, 'WhatsApp no longer has the file'),
  group_not_found: entry(404, 'No such group'),
  delivery_not_found: entry(404, 'No such webhook delivery'),
  method_not_allowed: entry(405, 'The method is not allowed here'),
  not_acceptable: entry(406, 'No acceptable representation'),
  request_timeout: entry(408, 'The request did not arrive in time'),
  session_live: entry(409, 'The session is already running'),
  delivery_pending: entry(409, 'The webhook delivery is already pending'),
  session_not_ready: entry(409, 'The session is not READY'),
  no_qr: entry(409, 'No QR code is pending'),
  not_pairing: entry(409, 'The session is not waiting to be linked'),
  no_browser: entry(409, 'The session has no running browser'),
  simulator_not_ready: entry(409, 'The simulator page is not ready'),
  payload_too_large: entry(413, 'The body is too large'),
  media_too_large: entry(413, 'The media is too large'),
  unsupported_media_type: entry(415, 'The body is not JSON'),
  expectation_failed: entry(417, 'Only Expect: 100-continue is supported'),
  not_on_whatsapp: entry(422, 'The number is not on WhatsApp'),
  not_revocable: entry(422, 'The message cannot be deleted for everyone'),
  rate_limited: entry(429, 'Too many requests'),
  too_many_streams: entry(429, 'Too many open event streams for this API key'),
  headers_too_large: entry(431, 'The request headers are too large'),
  internal: entry(500, 'Unexpected error'),
  simulator_page_missing: entry(500, 'The simulator page cannot be read'),
  simulator_version_mismatch: entry(500, 'The simulator page has another version'),
  pairing_failed: entry(502, 'WhatsApp Web did not give a pairing code'),
  send_failed: entry(502, 'WhatsApp Web did not send the message'),
  media_fetch_failed: entry(502, 'The media could not be fetched'),
  lookup_failed: entry(502, 'WhatsApp Web did not look it up'),
  chats_failed: entry(502, 'WhatsApp Web did not read the chats'),
  contacts_failed: entry(502, 'WhatsApp Web did not read the contacts'),
  mark_read_failed: entry(502, 'WhatsApp Web did not mark the chat read'),
  chat_state_failed: entry(502, 'WhatsApp Web did not send the chat state'),
  media_download_failed: entry(502, 'WhatsApp Web did not download the file'),
  reaction_failed: entry(502, 'WhatsApp Web did not send the reaction'),
  revoke_failed: entry(502, 'WhatsApp Web did not delete the message'),
  group_failed: entry(502, 'WhatsApp Web did not do the group change'),
  browser_missing: entry(503, 'No Chromium found'),
  dashboard_not_built: entry(503, 'The dashboard is not compiled (npm run build)'),
  shutting_down: entry(503, 'The server is shutting down'),
  owner_unreachable: entry(503, 'The instance running the session does not answer'),
  session_limit: entry(503, 'MAX_SESSIONS reached'),
  folder_locked: entry(503, "An earlier session's folder cannot be removed yet"),
  not_ready: entry(503, 'The server is not ready'),
  store_unavailable: entry(503, 'The database cannot take the change'),
  simulator_unavailable: entry(503, 'The simulator page failed'),
  timeout: entry(504, 'A call into the browser did not finish in time'),
  media_timeout: entry(504, 'The media download did not finish in time'),
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export const isErrorCode = (value: string): value is ErrorCode => Object.hasOwn(errorCatalog, value);

/** The AppError for `code`, with the catalog's status. */
export const appError = (
  code: ErrorCode,
  message: string,
  options: { cause?: unknown; details?: unknown } = {},
): AppError => new AppError(errorCatalog[code].status, code, message, options);

/** A time limit that ran out, as the API answers it: 504 `timeout`, the TimeoutError kept as cause. */
export const timeoutError = (err: TimeoutError): AppError => appError('timeout', err.message, { cause: err });
