/**
 * User-facing texts for connection states, failures and the end of a view (pure, so they are
 * testable and consistent). One short sentence each: diagnostics belong in the debug overlay and
 * `viewer.info()`, not in the status line.
 */
import type { ConnectionStatus } from "../stream/stream-client.js";

/** Values of stream_info.status and the hook's status. */
export type ViewStatus =
  "starting" | "unsupported" | "waiting" | "connecting" | "streaming" | "reconnecting" | "failed" | "closed";

/**
 * Reconnect attempts after which a view that was streaming says its render process is gone. The
 * session asks the kernel for a new daemon from the second attempt on; when none has been handed
 * over by the fourth (about 3.5 s of backoff), the kernel is gone or busy: the user must act.
 */
export const STOPPED_AFTER_ATTEMPTS = 4;

/** Shown when the daemon is gone and the kernel did not hand over a new one. */
export const RENDER_STOPPED_TEXT = "The viewer's render process stopped: run the cell again.";

/** Why a view ended for good: its kernel side is gone. */
export type EndReason = "kernel-restarted" | "kernel-stopped" | "no-kernel";

/** What the view says when it has ended: `what` happened, and what `todo`. */
export function endedText(reason: EndReason): { what: string; todo: string } {
  switch (reason) {
    case "kernel-restarted":
      return { what: "The kernel restarted:", todo: "run the cell again to show this viewer." };
    case "kernel-stopped":
      return { what: "The kernel stopped:", todo: "start it and run the cell again to show this viewer." };
    case "no-kernel":
      return { what: "This viewer is not connected to a running kernel:", todo: "run the cell to show it." };
  }
}

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
      return { status: "connecting", text: framesShown ? "Reconnecting…" : "Connecting…", kind: "info" };
    case "open":
      return {
        status: "streaming",
        text: framesShown ? "Reconnected; waiting for the next frame…" : "Connected; waiting for the first frame…",
        kind: "info",
      };
    case "reconnecting":
      if (!framesShown) {
        return {
          status: "reconnecting",
          text: `Cannot reach the render process (${s.reason}); retrying…`,
          kind: "error",
        };
      }
      return s.attempt >= STOPPED_AFTER_ATTEMPTS
        ? { status: "reconnecting", text: RENDER_STOPPED_TEXT, kind: "error" }
        : { status: "reconnecting", text: "Lost the render process; reconnecting…", kind: "info" };
    case "failed":
      return { status: "failed", text: `The render process refused this view: ${s.reason}`, kind: "error" };
    case "closed":
      return { status: "closed", text: "", kind: "info" };
  }
}

/** A daemon error message as one line (the code and path stay for whoever reports it). */
export function daemonErrorText(e: { code: string; message: string; path?: string }): string {
  // The code and path are for developers: they go to the console, the user reads the message.
  console.warn(`napari-cuda: daemon error ${e.code}${e.path ? ` at ${e.path}` : ""}: ${e.message}`);
  return `Render error: ${e.message}`;
}
