/** User-facing texts for connection states and failures (pure, so they are testable and consistent). */
import type { ConnectionStatus } from "../stream/stream-client.js";

/** Values of stream_info.status and the hook's status. */
export type ViewStatus =
  "starting" | "unsupported" | "waiting" | "connecting" | "streaming" | "reconnecting" | "failed" | "closed";

/** Shown instead of the canvas when WebCodecs is missing (typically not a secure context). */
export function webCodecsUnavailableText(origin: string): string {
  return (
    "This browser cannot decode the video stream: WebCodecs is unavailable " +
    `(it needs a secure context: https or localhost; current origin: ${origin}).`
  );
}

/** Shown when WebCodecs exists but none of the H.264 profiles can be decoded. */
export function noH264Text(candidates: readonly string[]): string {
  return `This browser cannot decode H.264 with WebCodecs (none of ${candidates.join(", ")} is supported).`;
}

/** Status line, its kind and the ViewStatus for a connection status; `framesShown`: a picture is up. */
export function connectionText(
  s: ConnectionStatus,
  framesShown: boolean,
): { status: ViewStatus; text: string; kind: "info" | "error" } {
  switch (s.state) {
    case "connecting":
      return {
        status: "connecting",
        text: framesShown ? "reconnecting…" : `connecting to the render daemon (${s.transport})…`,
        kind: "info",
      };
    case "open":
      return {
        status: "streaming",
        text: framesShown ? "reconnected; waiting for a keyframe…" : "connected; waiting for the first frame…",
        kind: "info",
      };
    case "reconnecting":
      return {
        status: "reconnecting",
        text: `connection lost (${s.reason}); retrying in ${(s.delayMs / 1000).toFixed(1)} s`,
        kind: "error",
      };
    case "failed":
      return { status: "failed", text: `stream refused: ${s.reason}`, kind: "error" };
    case "closed":
      return { status: "closed", text: "", kind: "info" };
  }
}

/** A daemon error message as one line. */
export function daemonErrorText(e: { code: string; message: string; path?: string }): string {
  return `daemon error ${e.code}: ${e.message}${e.path ? ` (at ${e.path})` : ""}`;
}
