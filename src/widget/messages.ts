/** Parsing of the daemon's text messages on the stream channel (config, meta, error). */
import { NapariCudaError } from "../protocol/errors.js";
import type { StreamConfig, StreamError, StreamMeta, StreamServerMessage } from "../protocol/stream.js";
import { parseJson } from "../protocol/validate.js";

function fail(path: string, message: string): never {
  throw new NapariCudaError("invalid_message", `server message ${path}: ${message}`, { path });
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== "string") fail(key, "expected a string");
  return v;
}

function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) fail(key, "expected a number");
  return v;
}

/** Parse and check one text message from the daemon; throws NapariCudaError naming the bad property. */
export function parseServerMessage(text: string): StreamServerMessage {
  const raw = parseJson(text);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("", "expected an object");
  const o = raw as Record<string, unknown>;
  const type = str(o, "type");
  switch (type) {
    case "config": {
      const msg: StreamConfig = {
        type: "config",
        protocol: num(o, "protocol"),
        session_id: str(o, "session_id"),
        codec: str(o, "codec"),
        description: str(o, "description"),
        width: num(o, "width"),
        height: num(o, "height"),
        encoder: str(o, "encoder"),
        backend: str(o, "backend"),
      };
      return msg;
    }
    case "meta": {
      if (!Array.isArray(o["layers"])) fail("layers", "expected an array");
      const msg: StreamMeta = {
        type: "meta",
        layers: o["layers"] as StreamMeta["layers"],
        level: num(o, "level"),
        level_count: num(o, "level_count"),
        loading: typeof o["loading"] === "number" ? o["loading"] : 0,
      };
      return msg;
    }
    case "error": {
      const msg: StreamError = { type: "error", code: str(o, "code"), message: str(o, "message") };
      if (typeof o["path"] === "string") msg.path = o["path"];
      return msg;
    }
    default:
      throw new NapariCudaError("unknown_type", `unknown server message type ${JSON.stringify(type)}`, {
        path: "type",
      });
  }
}
