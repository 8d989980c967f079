/** The API's shapes as the dashboard reads them (a copy: the browser program cannot import the server's). */

export interface SessionView {
  id: string;
  state: string;
  reason: string | null;
  me: { wid: string; name: string | null } | null;
  hasQr: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface WaEvent {
  id: string;
  type: string;
  sessionId: string;
  timestamp: string;
  payload: Record<string, unknown>;
}

/** An RFC 9457 problem as the server answers it, or as the dashboard words a network failure. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  code?: string;
}
