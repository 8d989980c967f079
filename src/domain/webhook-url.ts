/**
 * Why a URL cannot be posted to as a webhook, or null. fetch refuses credentials in a URL, so catch
 * that early. The one check for WEBHOOK_URL (config.ts) and a session's own webhook.
 */
export const webhookUrlProblem = (value: string): string | null => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'accepts an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'accepts an http(s) URL';
  if (url.username !== '' || url.password !== '')
    return 'must not contain user:password (put a token in the path)';
  return null;
};
