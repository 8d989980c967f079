/**
 * What the failed-webhook-deliveries panel shows, as data: kept apart from the markup so that it can
 * be tested without a browser. The route comes with the durable outbox; a server without it answers
 * 404, and the panel is then not shown at all.
 */

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  sessionId: string;
  url: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
}

export interface DeliveryPage {
  items: Delivery[];
  nextCursor: string | null;
}

export type DeliveriesState =
  | { kind: 'loading' }
  | { kind: 'absent' }
  | { kind: 'failed'; title: string; detail: string }
  | { kind: 'loaded'; page: DeliveryPage };

export interface DeliveryRow {
  id: string;
  event: string;
  url: string;
  attempts: string;
  /** The receiver's last answer, or the error when it never answered. */
  outcome: string;
  updatedAt: string;
}

export interface DeliveriesView {
  /** Shown while loading, with the rows, or the reason they could not be read. */
  message: string | null;
  rows: DeliveryRow[];
  /** More failed deliveries exist than are listed. */
  more: boolean;
}

/** The request the panel makes for one session. */
export const deliveriesPath = (sessionId: string, limit = 20): string =>
  `webhooks/deliveries?${new URLSearchParams({ status: 'failed', sessionId, limit: String(limit) })}`;

/** Tells the answer's status apart: 404 means the server has no outbox (hide the panel). */
export const stateFromStatus = (
  status: number,
  body: unknown,
  problem: { title: string; detail: string },
): DeliveriesState => {
  if (status === 404) return { kind: 'absent' };
  if (status >= 200 && status < 300 && isPage(body)) return { kind: 'loaded', page: body };
  return { kind: 'failed', title: problem.title, detail: problem.detail };
};

const isPage = (body: unknown): body is DeliveryPage =>
  typeof body === 'object' && body !== null && Array.isArray((body as { items?: unknown }).items);

const outcomeOf = (d: Delivery): string => {
  const parts: string[] = [];
  if (d.lastStatus !== null) parts.push(`HTTP ${d.lastStatus}`);
  if (d.lastError) parts.push(d.lastError);
  return parts.length > 0 ? parts.join(': ') : 'no answer recorded';
};

/** null: nothing to show (the server has no outbox). */
export const deliveriesView = (
  state: DeliveriesState,
  formatTime: (iso: string) => string,
): DeliveriesView | null => {
  switch (state.kind) {
    case 'absent':
      return null;
    case 'loading':
      return { message: 'Loading failed deliveries…', rows: [], more: false };
    case 'failed':
      return {
        message: `Could not read the failed deliveries: ${state.title}${state.detail ? `. ${state.detail}` : ''}`,
        rows: [],
        more: false,
      };
    case 'loaded': {
      const rows = state.page.items.map((d) => ({
        id: d.id,
        event: d.eventType,
        url: d.url,
        attempts: `${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`,
        outcome: outcomeOf(d),
        updatedAt: formatTime(d.updatedAt),
      }));
      return {
        message: rows.length === 0 ? 'No failed deliveries.' : null,
        rows,
        more: state.page.nextCursor !== null,
      };
    }
  }
};
