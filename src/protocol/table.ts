/**
 * The protocol as data: what docs/protocol.md lists and what the Python mirror
 * (kernel-bridge/napari_cuda/_protocol.py) must agree with (tests check it).
 */
import { BLENDINGS, COLORMAP_NAMES, DTYPES, INTERPOLATIONS, RENDERINGS } from "./colormaps.js";
import { ControlRequestSchema } from "./control.js";
import { ERROR_CODES } from "./errors.js";
import { FRAME_HEADER_LAYOUT, FRAME_MAGIC, HEADER_BYTES } from "./frame.js";
import { STREAM_SERVER_TYPES, StreamClientMessageSchema } from "./stream.js";
import { POINT_SYMBOLS } from "./points.js";
import { LAYER_KINDS, MAX_CONTOUR } from "./state.js";
import { PROTOCOL_VERSION } from "./version.js";

export function protocolTable() {
  return {
    protocol_version: PROTOCOL_VERSION,
    error_codes: Object.fromEntries(Object.entries(ERROR_CODES).map(([k, v]) => [k, v.close])),
    colormaps: [...COLORMAP_NAMES],
    interpolations: [...INTERPOLATIONS],
    blendings: [...BLENDINGS],
    renderings: [...RENDERINGS],
    dtypes: [...DTYPES],
    layer_kinds: [...LAYER_KINDS],
    max_contour: MAX_CONTOUR,
    point_symbols: [...POINT_SYMBOLS],
    control_ops: ControlRequestSchema.options.map((o) => o.shape.op.value),
    stream_client_types: StreamClientMessageSchema.options.map((o) => o.shape.type.value),
    stream_server_types: [...STREAM_SERVER_TYPES],
    frame_magic: FRAME_MAGIC,
    frame_header_bytes: HEADER_BYTES,
    frame_header_layout: FRAME_HEADER_LAYOUT,
  };
}
