// Live progress over the WebSocket Hibernation API: a socket gets the current counters when it
// connects and again after every change. While nothing changes, the object can be evicted from
// memory without closing the sockets.
import type { StatsSnapshot } from "./counters";
import { type RunPoint, SERIES, type SeriesCounts } from "./series";

/** A minute of the series as the live stream and the timeline routes show it. */
export type LivePoint = SeriesCounts & { at: string };

/**
 * Minutes of the time series, in total and per run, oldest first: the minutes an update moved (or,
 * on connect and after a recount, the latest minute with moves). Each point is the minute's whole
 * value, so a chart replaces its point of the same `at`.
 */
export interface LiveSeries {
  total: LivePoint[];
  runs: Record<string, LivePoint[]>;
}

/** The JSON text of each WebSocket message: the snapshot, tagged so that clients can grow with it. */
export interface LiveMessage extends StatsSnapshot {
  type: "stats";
  /** Present when the message carries minutes of the series. */
  series?: LiveSeries;
}

/** What a live message is made of, read only when a socket is connected. */
export interface LiveState {
  snapshot: StatsSnapshot;
  minutes: RunPoint[];
}

const point = (p: RunPoint | (SeriesCounts & { at: number })): LivePoint => ({
  at: new Date(p.at).toISOString(),
  sent: p.sent,
  delivered: p.delivered,
  read: p.read,
  failed: p.failed,
});

/** Minute rows of runs as the live stream's `series`: per run, and summed per minute. */
export function liveSeries(rows: RunPoint[]): LiveSeries | undefined {
  if (rows.length === 0) return undefined;
  const total = new Map<number, SeriesCounts & { at: number }>();
  const runs: Record<string, LivePoint[]> = {};
  for (const row of rows) {
    const sum = total.get(row.at) ?? { at: row.at, sent: 0, delivered: 0, read: 0, failed: 0 };
    for (const name of SERIES) sum[name] += row[name];
    total.set(row.at, sum);
    const run = runs[row.runId] ?? [];
    run.push(point(row));
    runs[row.runId] = run;
  }
  return { total: [...total.values()].sort((a, b) => a.at - b.at).map(point), runs };
}

function liveMessage({ snapshot, minutes }: LiveState): string {
  const series = liveSeries(minutes);
  const message: LiveMessage = { type: "stats", ...snapshot, ...(series ? { series } : {}) };
  return JSON.stringify(message);
}

/**
 * A WebSocket upgrade: the socket is accepted for hibernation and gets the current counters at
 * once. Anything else gets 426. Authentication and the campaign's ownership are checked by the
 * Worker route before it forwards the request to the object.
 */
export function acceptLiveSocket(ctx: DurableObjectState, request: Request, state: () => LiveState): Response {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected a WebSocket upgrade", { status: 426, headers: { Upgrade: "websocket" } });
  }
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server);
  server.send(liveMessage(state()));
  return new Response(null, { status: 101, webSocket: client });
}

/** "ping" is answered with "pong" (a keep-alive for clients and proxies); anything else is ignored. */
export function answerLiveMessage(ws: WebSocket, message: string | ArrayBuffer): void {
  if (message === "ping") ws.send("pong");
}

/** Completes the closing handshake the client started. */
export function closeLiveSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    // 1005 and 1006 report the absence of a code; they may not be sent.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  } catch {
    // Already closed (the runtime may have answered the close itself).
  }
}

/** Sends the counters to every connected socket; they are read only when a socket is connected. */
export function broadcast(ctx: DurableObjectState, state: () => LiveState): void {
  const sockets = ctx.getWebSockets();
  if (sockets.length === 0) return;
  const message = liveMessage(state());
  for (const ws of sockets) {
    try {
      ws.send(message);
    } catch {
      // A socket that is closing; its webSocketClose handles it.
    }
  }
}
