/** Parsing of the daemon's text messages on the stream channel (config, meta, error). */
import { NapariCudaError } from "../../protocol/errors.js";
import type {
  StreamConfig,
  StreamError,
  StreamMeta,
  StreamMetaLayer,
  StreamServerMessage,
} from "../../protocol/stream.js";
import { parseJson } from "../../protocol/validate.js";

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

function count(o: Record<string, unknown>, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(path, "expected a non-negative integer");
  return v;
}

function metaLayer(value: unknown, i: number): StreamMetaLayer {
  const at = `layers[${i}]`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(at, "expected an object");
  const o = value as Record<string, unknown>;
  const id = o["id"];
  if (typeof id !== "string") fail(`${at}.id`, "expected a string");
  const shape = o["shape"];
  if (!Array.isArray(shape) || !shape.every((n) => typeof n === "number")) fail(`${at}.shape`, "expected numbers");
  const levelCount = count(o, "level_count", `${at}.level_count`);
  if (levelCount < 1) fail(`${at}.level_count`, "expected at least 1");
  return {
    id,
    shape: shape as number[],
    dtype: typeof o["dtype"] === "string" ? o["dtype"] : "",
    loaded: o["loaded"] === true,
    data_level: count(o, "data_level", `${at}.data_level`),
    level_count: levelCount,
  };
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
        encoder_reason: typeof o["encoder_reason"] === "string" ? o["encoder_reason"] : "",
        backend_reason: typeof o["backend_reason"] === "string" ? o["backend_reason"] : "",
      };
      return msg;
    }
    case "meta": {
      const layers = o["layers"];
      if (!Array.isArray(layers)) fail("layers", "expected an array");
      const msg: StreamMeta = {
        type: "meta",
        layers: layers.map(metaLayer),
        level: count(o, "level", "level"),
        level_count: count(o, "level_count", "level_count"),
        loading: o["loading"] === undefined ? 0 : count(o, "loading", "loading"),
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
