/**
 * Stable error codes shared by daemon, widget and kernel bridge.
 *
 * `close` is the WebSocket close code sent when the error ends the connection,
 * or null when the daemon replies with an error message and keeps it open.
 * Tests assert codes, never message texts. docs/protocol.md lists this table.
 */
export const ERROR_CODES = {
  bad_json: { close: null, summary: "a text message was not valid JSON" },
  invalid_message: { close: null, summary: "a message failed validation; `path` names the property" },
  unknown_type: { close: null, summary: "the message `type` (or control `op`) is not known" },
  hello_required: { close: 1008, summary: "the first message on a connection must be hello" },
  unauthorized: { close: 1008, summary: "the token is wrong for this channel" },
  protocol_mismatch: { close: 1002, summary: "client and daemon speak different protocol versions" },
  message_too_big: { close: 1009, summary: "a message exceeded the size limit of its channel" },
  rate_limited: { close: 1008, summary: "too many messages in a short time" },
  unknown_viewer: { close: null, summary: "no viewer with that id exists in the daemon" },
  unknown_layer: { close: null, summary: "no layer with that id exists in the viewer" },
  invalid_data: { close: null, summary: "array data does not match its declared dtype/shape" },
  too_large: { close: null, summary: "a request exceeds a configured size budget" },
  encoder_unavailable: { close: null, summary: "no usable ffmpeg/encoder was found" },
  encoder_failed: { close: null, summary: "the encoder process failed; the stream restarts it" },
  render_failed: { close: null, summary: "rendering a frame failed" },
  not_found: { close: null, summary: "a dataset path or URL does not exist (file missing, HTTP 404)" },
  invalid_source: {
    close: null,
    summary: "a dataset could not be read: not OME-Zarr, unsupported codec, corrupt chunk, unreachable server",
  },
  unsupported: { close: null, summary: "a valid request for a feature this daemon does not provide" },
  internal: { close: 1011, summary: "an unexpected daemon error" },
  shutting_down: { close: 1001, summary: "the daemon is stopping" },
  too_many_views: {
    close: 1013,
    summary: "the daemon serves its most views (NAPARI_CUDA_MAX_VIEWS); close another view or try again later",
  },
  encoder_limit: {
    close: null,
    summary: "the daemon runs its most encoder processes (NAPARI_CUDA_MAX_ENCODERS); the view waits for one",
  },
  compute_failed: {
    close: null,
    summary:
      "the kernel could not compute a chunk of a lazy layer (its error names the layer and chunk), or it is gone",
  },
} as const satisfies Record<string, { close: number | null; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Error carrying a stable code and, for validation failures, the failing property path. */
export class NapariCudaError extends Error {
  override readonly name = "NapariCudaError";
  readonly code: ErrorCode;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options?.path;
  }

  /** WebSocket close code for this error, or null when the connection stays open. */
  get closeCode(): number | null {
    return ERROR_CODES[this.code].close;
  }
}

/** Type guard: is `err` a NapariCudaError (optionally with the given code)? */
export function isNapariCudaError(err: unknown, code?: ErrorCode): err is NapariCudaError {
  return err instanceof NapariCudaError && (code === undefined || err.code === code);
}
