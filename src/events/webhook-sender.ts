import { type AttemptOutcome, classifyStatus } from './webhook-retry.js';
import type { WebhookSigner } from './webhook-signer.js';
import { isForbiddenWebhook } from './webhook-url-guard.js';

export interface WebhookSender {
  /** One POST, bounded by the timeout; `stop` aborts it early (dispatcher closing). Never rejects. */
  send(url: string, eventId: string, body: string, stop: AbortSignal): Promise<AttemptOutcome>;
}

export const createWebhookSender = (deps: {
  signer: WebhookSigner;
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => Date;
}): WebhookSender => ({
  async send(url, eventId, body, stop) {
    // Our own controller and timer rather than AbortSignal.timeout: the timer is cleared as soon as
    // the attempt ends (no timer outlives it) and closing the dispatcher aborts it the same way.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${deps.timeoutMs} ms`));
    }, deps.timeoutMs);
    const onStop = () => controller.abort(new Error('webhook dispatcher closed'));
    stop.addEventListener('abort', onStop, { once: true });
    const at = deps.now();
    try {
      // Headers are built from nothing: no API key, Authorization or cookie of ours can leak here.
      const request = deps.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'wa-sessions-webhooks',
          ...deps.signer.headers(eventId, at, body),
        },
        body,
        signal: controller.signal,
        redirect: 'manual',
      });
      // Raced with the signal too, so the limit holds even for a fetch that ignores its signal.
      const response = await Promise.race([request, rejectOnAbort(controller.signal)]);
      // Only the status matters; cancelling frees the socket instead of buffering a body we never read.
      await Promise.race([response.body?.cancel().catch(() => undefined), rejectOnAbort(controller.signal)]);
      return classifyStatus(response.status, response.headers.get('retry-after'), deps.now().getTime());
    } catch (err) {
      if (stop.aborted) return { kind: 'aborted' };
      // The guard refused the receiver's address: sending again would be refused again.
      if (isForbiddenWebhook(err) || isForbiddenWebhook((err as { cause?: unknown } | null)?.cause)) {
        return { kind: 'fail', reason: 'forbidden address' };
      }
      return { kind: 'retry', reason: timedOut ? 'timeout' : 'network error', err };
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
  },
});

const rejectOnAbort = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
