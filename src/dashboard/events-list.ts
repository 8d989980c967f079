import { html } from 'htm/preact';
import { describeEvent, timeOf } from './format.js';
import type { WaEvent } from './types.js';

/** The session's latest events, newest first. */
export const EventsList = (props: { events: WaEvent[] }) => {
  const latest = props.events.slice(-20).reverse();
  return html`<section aria-labelledby="events-title">
    <h3 id="events-title">Recent events</h3>
    ${
      latest.length === 0
        ? html`<p class="muted">No events yet.</p>`
        : html`<ol class="events">
            ${latest.map(
              (e) => html`<li key=${e.id} data-type=${e.type}>
                <time datetime=${e.timestamp}>${timeOf(e.timestamp)}</time> ${describeEvent(e)}
              </li>`,
            )}
          </ol>`
    }
  </section>`;
};
