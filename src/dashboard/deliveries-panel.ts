import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { type Api, ApiError } from './api.js';
import { type DeliveriesState, deliveriesPath, deliveriesView, stateFromStatus } from './deliveries-model.js';
import { timeOf } from './format.js';
import type { FailedAction } from './problem-alert.js';

/** The session's failed webhook deliveries, each with a retry button; hidden on a server without them. */
export const DeliveriesPanel = (props: {
  api: Api;
  sessionId: string;
  onFailure: (failure: FailedAction) => void;
}) => {
  const { api, sessionId } = props;
  const [state, setState] = useState<DeliveriesState>({ kind: 'loading' });

  const load = useCallback(async () => {
    try {
      setState(
        stateFromStatus(200, await api.call('GET', deliveriesPath(sessionId)), { title: '', detail: '' }),
      );
    } catch (err) {
      if (err instanceof ApiError) setState(stateFromStatus(err.problem.status, null, err.problem));
    }
  }, [api, sessionId]);

  useEffect(() => {
    setState({ kind: 'loading' });
    void load();
  }, [load]);

  const retry = async (id: string) => {
    try {
      await api.call('POST', `webhooks/deliveries/${encodeURIComponent(id)}/retry`);
    } catch (err) {
      if (err instanceof ApiError) props.onFailure({ action: `Retry delivery ${id}`, problem: err.problem });
    }
    await load();
  };

  const view = deliveriesView(state, timeOf);
  if (view === null) return null;
  return html`<section aria-labelledby="deliveries-title">
    <h3 id="deliveries-title">Failed webhook deliveries</h3>
    ${view.message === null ? '' : html`<p class="muted">${view.message}</p>`}
    ${
      view.rows.length === 0
        ? ''
        : html`<ul class="deliveries">
            ${view.rows.map(
              (row) => html`<li key=${row.id}>
                <p><strong>${row.event}</strong> to <code>${row.url}</code></p>
                <p>${row.attempts}, last: ${row.outcome} (${row.updatedAt})</p>
                <button type="button" onClick=${() => retry(row.id)} aria-label=${`Retry delivery of ${row.event} to ${row.url}`}>Retry</button>
              </li>`,
            )}
          </ul>`
    }
    ${view.more ? html`<p class="muted">More failed deliveries exist than are listed.</p>` : ''}
    <button type="button" onClick=${load}>Refresh deliveries</button>
  </section>`;
};
