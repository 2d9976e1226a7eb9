import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ControlRequestSchema,
  isNapariCudaError,
  parseJson,
  parseOrThrow,
  StreamClientMessageSchema,
  ViewerStateSchema,
} from "../../../src/protocol/index.js";

function layer(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "l0",
    name: "img",
    visible: true,
    opacity: 1,
    colormap: "gray",
    contrast_limits: [0, 255],
    gamma: 1,
    interpolation: "nearest",
    blending: "translucent",
    ...over,
  };
}

function state(layers: unknown[] = [layer()]): Record<string, unknown> {
  return { camera: { center: [4, 4], zoom: 1 }, dims: { ndisplay: 2, current_step: [] }, layers };
}

function failsAt(schema: Parameters<typeof parseOrThrow>[0], value: unknown, path: string): void {
  assert.throws(
    () => parseOrThrow(schema, value, "msg"),
    (err: unknown) => isNapariCudaError(err, "invalid_message") && err.path === path,
  );
}

test("a valid state message parses, with defaults filled in", () => {
  const msg = parseOrThrow(StreamClientMessageSchema, { type: "state", seq: 3, state: state() }, "msg");
  assert.equal(msg.type, "state");
  if (msg.type !== "state") return;
  assert.deepEqual(msg.state.camera.angles, [0, 0, 90]);
  assert.deepEqual(msg.state.layers[0]!.scale, []);
});

test("reversed contrast limits name the failing property", () => {
  const bad = { type: "state", seq: 1, state: state([layer(), layer({ contrast_limits: [10, 2] })]) };
  failsAt(StreamClientMessageSchema, bad, "state.layers[1].contrast_limits");
  failsAt(ViewerStateSchema, state([layer({ contrast_limits: [5, 5] })]), "layers[0].contrast_limits");
});

test("each invalid field is named by its path", () => {
  failsAt(ViewerStateSchema, state([layer({ colormap: "rainbow" })]), "layers[0].colormap");
  failsAt(ViewerStateSchema, state([layer({ opacity: 1.5 })]), "layers[0].opacity");
  failsAt(ViewerStateSchema, { ...state(), camera: { center: [0, 0], zoom: 0 } }, "camera.zoom");
  failsAt(StreamClientMessageSchema, { type: "state", seq: -1, state: state() }, "seq");
  failsAt(StreamClientMessageSchema, { type: "resize", seq: 1, canvas: { width: 8, height: 100 } }, "canvas.width");
  failsAt(StreamClientMessageSchema, { type: "nope" }, "type");
  failsAt(
    ControlRequestSchema,
    { op: "set_layer_data", id: 1, viewer_id: "v", layer_id: "l", dtype: "uint8", shape: [4], nbytes: 4 },
    "shape",
  );
  failsAt(
    ControlRequestSchema,
    { op: "set_layer_data", id: 1, viewer_id: "v", layer_id: "l", dtype: "complex64", shape: [2, 2], nbytes: 4 },
    "dtype",
  );
});

test("parseJson turns a syntax error into bad_json", () => {
  assert.deepEqual(parseJson('{"a":1}'), { a: 1 });
  assert.throws(
    () => parseJson("{nope"),
    (err: unknown) => isNapariCudaError(err, "bad_json"),
  );
});
