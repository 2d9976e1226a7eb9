/** Parsing of the daemon's text messages on the stream channel (config, meta, error, value, range, sync). */
import { NapariCudaError } from "../../protocol/errors.js";
import { CameraSchema, DimsSchema } from "../../protocol/state.js";
import {
  PICK_STATUSES,
  RANGE_STATUSES,
  type PickStatus,
  type RangeStatus,
  type StreamConfig,
  type StreamError,
  type StreamMeta,
  type StreamMetaLayer,
  type StreamRange,
  type StreamServerMessage,
  type StreamSync,
  type StreamValue,
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

const NON_FINITE: ReadonlySet<unknown> = new Set(["NaN", "Infinity", "-Infinity"]);

function valueMessage(o: Record<string, unknown>): StreamValue {
  const status = o["status"];
  if (!PICK_STATUSES.includes(status as PickStatus)) fail("status", `expected one of ${PICK_STATUSES.join(", ")}`);
  const value = o["value"];
  if (!(value === null || (typeof value === "number" && Number.isFinite(value)) || NON_FINITE.has(value))) {
    fail("value", "expected a number, a non-finite name or null");
  }
  const layerId = o["layer_id"];
  if (layerId !== null && typeof layerId !== "string") fail("layer_id", "expected a string or null");
  const pos = o["data_position"];
  if (!Array.isArray(pos) || !pos.every((n) => Number.isInteger(n))) fail("data_position", "expected integers");
  return {
    type: "value",
    id: count(o, "id", "id"),
    layer_id: layerId,
    status: status as PickStatus,
    value: value as StreamValue["value"],
    level: count(o, "level", "level"),
    level_count: count(o, "level_count", "level_count"),
    data_position: pos as number[],
  };
}

/** A finite number or null (a range bound). */
function bound(o: Record<string, unknown>, key: string): number | null {
  const v = o[key];
  if (v !== null && (typeof v !== "number" || !Number.isFinite(v))) fail(key, "expected a number or null");
  return v;
}

function rangeMessage(o: Record<string, unknown>): StreamRange {
  const status = o["status"];
  if (!RANGE_STATUSES.includes(status as RangeStatus)) fail("status", `expected one of ${RANGE_STATUSES.join(", ")}`);
  const min = bound(o, "min");
  const max = bound(o, "max");
  if (min !== null && max !== null && max < min) fail("max", "expected max >= min");
  if ((min === null) !== (max === null)) fail(min === null ? "min" : "max", "expected both bounds or neither");
  return {
    type: "range",
    id: count(o, "id", "id"),
    layer_id: str(o, "layer_id"),
    status: status as RangeStatus,
    min,
    max,
    level: count(o, "level", "level"),
  };
}

function syncMessage(o: Record<string, unknown>): StreamSync {
  const camera = CameraSchema.safeParse(o["camera"]);
  if (!camera.success) fail(`camera.${camera.error.issues[0]?.path.join(".") ?? ""}`, "expected a camera");
  const dims = DimsSchema.safeParse(o["dims"]);
  if (!dims.success) fail(`dims.${dims.error.issues[0]?.path.join(".") ?? ""}`, "expected dims");
  return { type: "sync", seq: count(o, "seq", "seq"), camera: camera.data, dims: dims.data };
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
    case "value":
      return valueMessage(o);
    case "range":
      return rangeMessage(o);
    case "sync":
      return syncMessage(o);
    default:
      throw new NapariCudaError("unknown_type", `unknown server message type ${JSON.stringify(type)}`, {
        path: "type",
      });
  }
}
