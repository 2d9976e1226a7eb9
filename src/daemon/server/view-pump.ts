/** The RenderPump of one view, wired to its socket, frames, encoders and metrics (stream-session.ts). */
import { isStillCodec } from "../../protocol/codecs.js";
import { PROTOCOL_VERSION, type StreamConfig, type StreamHello } from "../../protocol/index.js";
import type { Logger } from "../log.js";
import type { H264Profile } from "./codec.js";
import type { DaemonContext } from "./context.js";
import { RenderPump } from "./render-pump.js";
import { errorBody, type Socket } from "./socket.js";
import type { ViewFrames } from "./view-frames.js";

export interface ViewPumpDeps {
  ctx: DaemonContext;
  socket: Socket;
  log: Logger;
  frames: ViewFrames;
  /** The view's hello: its first state, canvas and overscan. */
  hello: StreamHello;
  sessionId: string;
  profile: H264Profile;
  /** Why this encoder (known once the encoders are described). */
  encoderReason: () => string;
  /** 4:4:4 stills are on for this view. */
  stills: () => boolean;
}

/** A RenderPump that renders through `frames` and sends config, frames and errors on `socket`. */
export function createViewPump(d: ViewPumpDeps): RenderPump {
  const { ctx, socket, frames, hello: h } = d;
  // The stream's encoder name for metrics (the still's libx264 4:4:4 encoder is not the stream's).
  let encoderName = "";
  return new RenderPump(
    {
      render: (req, signal) => frames.render(req, signal),
      movingSize: (req) => frames.movingSize(req),
      release: (frame) => ctx.renderer.release(frame),
      createEncoder: (w, hgt, still, spare) =>
        ctx.encoders.create(w, hgt, d.profile, ctx.pixelFormat, still || undefined, spare),
      sendConfig: (config, encoder) => {
        const msg: StreamConfig = {
          type: "config",
          protocol: PROTOCOL_VERSION,
          session_id: d.sessionId,
          codec: config.codec,
          description: Buffer.from(config.description).toString("base64"),
          width: encoder.width,
          height: encoder.height,
          encoder: encoder.name,
          backend: ctx.backend.name,
          encoder_reason: d.encoderReason(),
          backend_reason: ctx.backend.reason,
        };
        if (!isStillCodec(config.codec)) encoderName = encoder.name;
        socket.sendJson(msg);
      },
      sendFrame: (bytes) => socket.sendBinary(bytes),
      sendError: (err) => socket.sendJson({ type: "error", ...errorBody(err) }),
      bufferedAmount: () => socket.bufferedAmount,
      observeCost: (cost) => frames.observeCost(cost),
      observe: (t) => ctx.metrics.observeFrame({ ...t, backend: ctx.backend.name, encoder: encoderName }),
      observeLink: (s) => ctx.metrics.observeLink(s),
      log: d.log,
    },
    {
      maxInFlight: ctx.config.maxInFlight,
      maxBufferedBytes: ctx.config.maxBufferedBytes,
      overscanMaxArea: ctx.config.overscanMaxArea,
      stills: d.stills,
    },
    { seq: h.seq, state: h.state, canvas: h.canvas, overscan: h.overscan },
  );
}
