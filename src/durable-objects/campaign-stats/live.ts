// Live progress over the WebSocket Hibernation API: a socket gets the current counters when it
// connects and again after every change. While nothing changes, the object can be evicted from
// memory without closing the sockets.
import type { StatsSnapshot } from "./counters";

/** The JSON text of each WebSocket message: the snapshot, tagged so that clients can grow with it. */
export interface LiveMessage extends StatsSnapshot {
  type: "stats";
}

function liveMessage(snapshot: StatsSnapshot): string {
  const message: LiveMessage = { type: "stats", ...snapshot };
  return JSON.stringify(message);
}

/**
 * A WebSocket upgrade: the socket is accepted for hibernation and gets the current counters at
 * once. Anything else gets 426. Authentication and the campaign's ownership are checked by the
 * Worker route before it forwards the request to the object.
 */
export function acceptLiveSocket(ctx: DurableObjectState, request: Request, snapshot: () => StatsSnapshot): Response {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected a WebSocket upgrade", { status: 426, headers: { Upgrade: "websocket" } });
  }
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server);
  server.send(liveMessage(snapshot()));
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
export function broadcast(ctx: DurableObjectState, snapshot: () => StatsSnapshot): void {
  const sockets = ctx.getWebSockets();
  if (sockets.length === 0) return;
  const message = liveMessage(snapshot());
  for (const ws of sockets) {
    try {
      ws.send(message);
    } catch {
      // A socket that is closing; its webSocketClose handles it.
    }
  }
}
