import { html } from 'htm/preact';
import { numberOf, stateInfo, timeOf } from './format.js';
import type { SessionView } from './types.js';

export const StateBadge = (props: { state: string }) => {
  const info = stateInfo(props.state);
  return html`<span class=${`badge ${info.tone}`}><span aria-hidden="true">${info.mark}</span> ${info.label}</span>`;
};

/** The live list: one row per session, a button to open it. */
export const SessionsTable = (props: {
  sessions: SessionView[] | null;
  selected: string | null;
  onOpen: (id: string) => void;
}) => {
  const { sessions } = props;
  if (sessions === null) return html`<p class="muted">Loading sessions…</p>`;
  if (sessions.length === 0) {
    return html`<p class="empty">No sessions yet. Create one above, then link a phone to it.</p>`;
  }
  return html`<div class="table-wrap" role="region" aria-label="Sessions table" tabindex="0">
    <table>
      <caption class="visually-hidden">Sessions, updated live</caption>
      <thead>
        <tr>
          <th scope="col">Session</th>
          <th scope="col">State</th>
          <th scope="col">Reason</th>
          <th scope="col">Number</th>
          <th scope="col">Name</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        ${sessions.map(
          (s) => html`<tr key=${s.id} class=${s.id === props.selected ? 'selected' : ''} data-session=${s.id}>
            <th scope="row">
              <button
                type="button"
                class="link"
                aria-current=${s.id === props.selected ? 'true' : undefined}
                onClick=${() => props.onOpen(s.id)}
              >${s.id}</button>
            </th>
            <td class="state"><${StateBadge} state=${s.state} /></td>
            <td>${s.reason ?? '—'}</td>
            <td>${s.me ? numberOf(s.me.wid) : '—'}</td>
            <td>${s.me?.name ?? '—'}</td>
            <td><time datetime=${s.updatedAt}>${timeOf(s.updatedAt)}</time></td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
};
