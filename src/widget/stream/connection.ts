/** The kernel's custom messages to the view: connection hand-off (never via a synced trait) and errors. */
import { PROTOCOL_VERSION } from "../../protocol/version.js";
import type { TransportMode } from "./url.js";

/** Where and how to reach the daemon's stream endpoint. */
export interface ConnectionInfo {
  port: number;
  token: string;
  viewerId: string;
  protocol: number;
  /** "auto": proxy, then direct loopback for local pages, then the comm relay; else only that route. */
  transport: TransportMode;
}

export type { TransportMode };
const MODES: ReadonlySet<unknown> = new Set(["auto", "proxy", "direct", "comm"]);

export type KernelMessage =
  { type: "connection"; info: ConnectionInfo } | { type: "error"; message: string } | { type: "ignored" };

/** Interpret a custom message from the kernel; malformed hand-offs become errors naming the field. */
export function parseKernelMessage(content: unknown): KernelMessage {
  if (typeof content !== "object" || content === null) return { type: "ignored" };
  const c = content as Record<string, unknown>;
  if (c["type"] === "error") {
    return { type: "error", message: typeof c["message"] === "string" ? c["message"] : "the kernel reported an error" };
  }
  if (c["type"] !== "connection") return { type: "ignored" };
  const { port, token, viewer_id: viewerId, protocol } = c;
  const transport = c["transport"] ?? "auto";
  if (typeof protocol !== "number" || protocol !== PROTOCOL_VERSION) {
    return {
      type: "error",
      message: `protocol mismatch: the kernel speaks protocol ${String(protocol)}, this widget ${PROTOCOL_VERSION}; reinstall napari-cuda and reload the page`,
    };
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65535) {
    return { type: "error", message: "bad connection message from the kernel: port" };
  }
  if (typeof token !== "string" || token.length === 0) {
    return { type: "error", message: "bad connection message from the kernel: token" };
  }
  if (typeof viewerId !== "string" || viewerId.length === 0) {
    return { type: "error", message: "bad connection message from the kernel: viewer_id" };
  }
  if (!MODES.has(transport)) {
    return { type: "error", message: "bad connection message from the kernel: transport" };
  }
  return { type: "connection", info: { port, token, viewerId, protocol, transport: transport as TransportMode } };
}

/** Same daemon endpoint and credentials? (duplicate replies to several connect requests are ignored) */
export function sameConnection(a: ConnectionInfo | null, b: ConnectionInfo): boolean {
  return (
    a !== null && a.port === b.port && a.token === b.token && a.viewerId === b.viewerId && a.transport === b.transport
  );
}
