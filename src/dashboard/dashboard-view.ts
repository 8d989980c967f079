import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError } from './api.js';
import { type Confirmation, ConfirmDialog } from './confirm-dialog.js';
import { CreateSession } from './create-session.js';
import { openEventStream, type StreamStatus } from './event-stream.js';
import { removalText, timeOf } from './format.js';
import { type FailedAction, ProblemAlert } from './problem-alert.js';
import { SessionDetail } from './session-detail.js';
import { SessionsTable } from './sessions-table.js';
import type { SessionView, WaEvent } from './types.js';

/** Events kept in the page, all sessions together (the server's replay buffer holds 1000). */
const KEPT_EVENTS = 500;

const ConnectionStatus = (props: { status: StreamStatus; lastEventAt: Date | null }) => {
  const last = props.lastEventAt ? `last event at ${timeOf(props.lastEventAt)}` : 'no event yet';
  const text =
    props.status === 'live'
      ? `● Live (${last})`
      : props.status === 'connecting'
        ? '… Connecting'
        : `⟳ Server unreachable, reconnecting… (${last})`;
  return html`<p role="status" class=${`connection ${props.status}`} data-status=${props.status}>${text}</p>`;
};

/** Signed in: the live sessions, one opened in detail, the dialogs and the messages. */
export const DashboardView = (props: { api: Api; onSignOut: () => void; onUnauthorized: () => void }) => {
  const { api } = props;
  const [sessions, setSessions] = useState<SessionView[] | null>(null);
  const [events, setEvents] = useState<WaEvent[]>([]);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [lastEventAt, setLastEventAt] = useState<Date | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [failure, setFailure] = useState<FailedAction | null>(null);
  const [notice, setNotice] = useState('');
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const known = useRef(new Map<string, SessionView>());
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const answer = await api.call<{ sessions: SessionView[] }>('GET', 'sessions');
      const list = answer?.sessions ?? [];
      known.current = new Map(list.map((s) => [s.id, s]));
      setSessions(list);
    } catch (err) {
      if (err instanceof ApiError && err.problem.status === 401) props.onUnauthorized();
      // Otherwise the server is away: the connection status says so, and the next reconnect reloads.
    }
  }, [api]);

  // Events say what changed; the list (with the number and name once linked) is read again after a
  // burst of them, once.
  const refreshSoon = useCallback(() => {
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => void refresh(), 150);
  }, [refresh]);

  const onEvent = useCallback(
    (event: WaEvent) => {
      setEvents((previous) => [...previous.slice(-(KEPT_EVENTS - 1)), event]);
      setLastEventAt(new Date());
      if (!event.type.startsWith('session.')) return;
      const session = known.current.get(event.sessionId);
      if (event.type === 'session.status' && session) {
        const { state, reason } = event.payload as { state: string; reason: string | null };
        setSessions((list) =>
          list === null
            ? list
            : list.map((s) =>
                s.id === event.sessionId ? { ...s, state, reason, updatedAt: event.timestamp } : s,
              ),
        );
        if (state === 'READY' && session.state !== 'READY')
          setNotice(`Session ${event.sessionId} is linked and ready.`);
      }
      if (event.type === 'session.removed' && session) {
        setNotice(`Session ${event.sessionId} was removed: ${removalText(String(event.payload.reason))}.`);
      }
      refreshSoon();
    },
    [refreshSoon],
  );

  useEffect(() => {
    void refresh();
    const stop = openEventStream(api.headers, {
      onEvent,
      onStatus: (next) => {
        setStatus(next);
        if (next === 'live') void refresh();
      },
      onUnauthorized: props.onUnauthorized,
    });
    return () => {
      stop();
      clearTimeout(refreshTimer.current);
    };
  }, [api]);

  const create = async (id: string): Promise<boolean> => {
    try {
      await api.call('POST', `sessions/${encodeURIComponent(id)}`);
      setSelected(id);
      setNotice(`Session ${id} created; its QR appears below.`);
      await refresh();
      return true;
    } catch (err) {
      if (err instanceof ApiError) setFailure({ action: `Create ${id}`, problem: err.problem });
      return false;
    }
  };

  const selectedSession = selected === null ? null : (sessions?.find((s) => s.id === selected) ?? null);
  return html`<div class="page">
    <header>
      <h1>wa-sessions</h1>
      <${ConnectionStatus} status=${status} lastEventAt=${lastEventAt} />
      <button type="button" onClick=${props.onSignOut}>Sign out</button>
    </header>
    <main>
      <${ProblemAlert} failure=${failure} onDismiss=${() => setFailure(null)} />
      <p role="status" class="notice">${notice}</p>
      <div class="columns">
        <section aria-labelledby="sessions-title">
          <h2 id="sessions-title">Sessions</h2>
          <${CreateSession} onCreate=${create} />
          <${SessionsTable} sessions=${sessions} selected=${selected} onOpen=${setSelected} />
        </section>
        ${
          selected === null
            ? ''
            : html`<${SessionDetail}
                key=${selected}
                api=${api}
                sessionId=${selected}
                session=${selectedSession}
                events=${events.filter((e) => e.sessionId === selected)}
                confirm=${setConfirmation}
                onFailure=${setFailure}
                onNotice=${setNotice}
                onClose=${() => setSelected(null)}
              />`
        }
      </div>
    </main>
    ${
      confirmation === null
        ? ''
        : html`<${ConfirmDialog} confirmation=${confirmation} onClose=${() => setConfirmation(null)} />`
    }
  </div>`;
};
