/**
 * The widget's StreamPipeline (a view's stream) connected to a test daemon over a real WebSocket,
 * for tests of requests the widget makes (pick, range) end to end in node.
 */
import WebSocket from "ws";
import type { StreamHello } from "../../../src/protocol/stream.js";
import { ViewStats } from "../../../src/widget/instrument/stats.js";
import { StreamPipeline } from "../../../src/widget/stream/pipeline.js";
import type { SocketLike } from "../../../src/widget/stream/stream-client.js";
import { layer, streamHello, viewerState, type TestDaemon } from "./helpers.js";

/**
 * A pipeline for `viewerId` showing layer "img" at zoom 4 around (2.5, 3) on the default 64x48
 * canvas; not started. `started()` starts it and resolves once the daemon's first meta came.
 */
export function widgetPipeline(
  t: TestDaemon,
  viewerId: string,
): { pipeline: StreamPipeline; started(): Promise<void> } {
  const metas: unknown[] = [];
  const pipeline = new StreamPipeline({
    urls: [{ url: t.url("/stream"), transport: "direct" }],
    hello: () => streamHello({ viewer_id: viewerId, state: viewerState([2.5, 3], 4, [layer("img")]) }) as StreamHello,
    draw: () => undefined,
    stats: new ViewStats(),
    events: {
      status: () => undefined,
      error: () => undefined,
      config: () => undefined,
      meta: (m) => metas.push(m),
      displayed: () => undefined,
    },
    socketFactory: (url) => new WebSocket(url) as unknown as SocketLike,
  });
  const started = async (): Promise<void> => {
    pipeline.start();
    const start = Date.now();
    while (metas.length === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
  };
  return { pipeline, started };
}
