import { html } from 'htm/preact';
import { type Api, ApiError } from './api.js';
import type { Confirmation } from './confirm-dialog.js';
import { DeliveriesPanel } from './deliveries-panel.js';
import { EventsList } from './events-list.js';
import { numberOf, removalText } from './format.js';
import { LinkPanel } from './link-panel.js';
import type { FailedAction } from './problem-alert.js';
import { SendMessage } from './send-message.js';
import { StateBadge } from './sessions-table.js';
import type { SessionView, WaEvent } from './types.js';

const LIVE = new Set(['STARTING', 'QR', 'AUTHENTICATED', 'READY']);
const STARTABLE = new Set(['DISCONNECTED', 'STOPPED', 'FAILED']);

export interface DetailProps {
  api: Api;
  sessionId: string;
  /** null once the session is gone. */
  session: SessionView | null;
  events: WaEvent[];
  confirm: (confirmation: Confirmation) => void;
  onFailure: (failure: FailedAction) => void;
  onNotice: (text: string) => void;
  onClose: () => void;
}

export const SessionDetail = (props: DetailProps) => {
  const { api, sessionId, session, events } = props;
  const path = `sessions/${encodeURIComponent(sessionId)}`;

  const run = (action: string, method: string, suffix: string, done: string) => async () => {
    try {
      await api.call(method, `${path}${suffix}`);
      props.onNotice(done);
    } catch (err) {
      if (err instanceof ApiError) props.onFailure({ action, problem: err.problem });
    }
  };

  const removed = [...events].reverse().find((e) => e.type === 'session.removed');
  const qrVersion = [...events].reverse().find((e) => e.type === 'session.qr')?.id ?? null;

  return html`<section class="detail" aria-labelledby="detail-title">
    <div class="detail-head">
      <h2 id="detail-title">Session ${sessionId}</h2>
      <button type="button" onClick=${props.onClose}>Close</button>
    </div>
    ${
      session === null
        ? html`<p class="gone">
            This session no longer exists${
              removed ? html` (${removalText(String(removed.payload.reason))})` : ''
            }.
          </p>`
        : html`<p class="summary">
              <${StateBadge} state=${session.state} />
              ${session.reason ? html` <span>reason ${session.reason}</span>` : ''}
              ${
                session.me
                  ? html` <span class="linked">linked to ${numberOf(session.me.wid)}${
                      session.me.name ? ` (${session.me.name})` : ''
                    }</span>`
                  : ''
              }
            </p>
            ${
              session.state === 'QR'
                ? html`<${LinkPanel}
                    api=${api}
                    sessionId=${sessionId}
                    qrVersion=${qrVersion}
                    onFailure=${props.onFailure}
                  />`
                : ''
            }
            ${session.state === 'STARTING' ? html`<p>Starting the browser…</p>` : ''}
            ${session.state === 'AUTHENTICATED' ? html`<p>Linked; loading the chats…</p>` : ''}
            <section aria-labelledby="actions-title">
              <h3 id="actions-title">Actions</h3>
              <div class="buttons">
                ${
                  LIVE.has(session.state)
                    ? html`<button
                        type="button"
                        onClick=${() =>
                          props.confirm({
                            title: `Stop session ${sessionId}?`,
                            body: `The browser of ${sessionId} closes; the link is kept, and Start brings it back without a QR.`,
                            confirmLabel: `Stop ${sessionId}`,
                            run: run(`Stop ${sessionId}`, 'POST', '/stop', `Session ${sessionId} stopped.`),
                          })}
                      >Stop</button>`
                    : ''
                }
                ${
                  STARTABLE.has(session.state)
                    ? html`<button
                        type="button"
                        onClick=${() =>
                          props.confirm({
                            title: `Start session ${sessionId}?`,
                            body: `${sessionId} starts again: without a QR when it is still linked, with a new QR otherwise.`,
                            confirmLabel: `Start ${sessionId}`,
                            run: run(`Start ${sessionId}`, 'POST', '', `Session ${sessionId} is starting.`),
                          })}
                      >Start</button>`
                    : ''
                }
                <button
                  type="button"
                  class="danger"
                  onClick=${() =>
                    props.confirm({
                      title: `Log out and delete session ${sessionId}?`,
                      body: `${sessionId} is logged out of WhatsApp (the phone loses this linked device), its browser closes and its folder is removed. Linking again needs a new QR.`,
                      confirmLabel: `Log out and delete ${sessionId}`,
                      run: run(
                        `Delete ${sessionId}`,
                        'DELETE',
                        '',
                        `Session ${sessionId} logged out and deleted.`,
                      ),
                    })}
                >Log out and delete</button>
              </div>
            </section>
            <${SendMessage}
              api=${api}
              sessionId=${sessionId}
              ready=${session.state === 'READY'}
              onFailure=${props.onFailure}
            />`
    }
    <${EventsList} events=${events} />
    ${session === null ? '' : html`<${DeliveriesPanel} api=${api} sessionId=${sessionId} onFailure=${props.onFailure} />`}
  </section>`;
};
