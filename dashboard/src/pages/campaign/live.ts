import { useEffect, useRef, useState } from "preact/hooks";
import type { Stats, TimelinePoint } from "./types";

/** What the live socket sends: the counters, and the minutes of the series that moved. */
export interface LiveMessage extends Stats {
  type: "stats";
  series?: { total: TimelinePoint[]; runs: Record<string, TimelinePoint[]> };
}

export type LiveState = "connecting" | "open" | "closed";

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
// Proxies close idle sockets; the object answers "ping" with "pong".
const KEEP_ALIVE_MS = 25_000;

/**
 * The campaign's live statistics over its WebSocket (the session cookie authenticates it). A socket
 * that closes is opened again after a delay that doubles up to 30 s, and resets once one opens.
 */
export function useLive(campaignId: string, onMessage: (message: LiveMessage) => void): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  // The latest handler, so a re-render does not reopen the socket.
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    let delay = FIRST_DELAY_MS;
    let stopped = false;
    const open = () => {
      setState("connecting");
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/v1/campaigns/${encodeURIComponent(campaignId)}/live`);
      socket.onopen = () => {
        delay = FIRST_DELAY_MS;
        setState("open");
        keepAlive = setInterval(() => socket?.readyState === WebSocket.OPEN && socket.send("ping"), KEEP_ALIVE_MS);
      };
      socket.onmessage = (event) => {
        if (typeof event.data !== "string" || event.data === "pong") return;
        try {
          const message = JSON.parse(event.data) as LiveMessage;
          if (message.type === "stats") handler.current(message);
        } catch {
          // Not a message of ours: ignored, as the server ignores ours.
        }
      };
      socket.onclose = () => {
        clearInterval(keepAlive);
        if (stopped) return;
        setState("closed");
        retry = setTimeout(open, delay);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(keepAlive);
      // Closing a socket still connecting logs an error in the console: it closes once open instead.
      if (socket?.readyState === WebSocket.CONNECTING) socket.onopen = () => socket?.close();
      else socket?.close();
    };
  }, [campaignId]);
  return state;
}
