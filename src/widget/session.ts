/**
 * One displayed view at run time: canvas + HUD, sizing, interaction, local state and seq, the
 * stream pipeline, status texts and the benchmark hook. Framework-free: the widget view hands
 * it a SessionHost.
 */
import type { Camera, Canvas } from "../protocol/state.js";
import { H264_CODECS } from "../protocol/codecs.js";
import type { StreamConfig } from "../protocol/stream.js";
import { PROTOCOL_VERSION } from "../protocol/version.js";
import { browserCodecs, hasWebCodecs } from "./codecs.js";
import { parseKernelMessage, sameConnection, type ConnectionInfo } from "./connection.js";
import { CameraControl } from "./camera-control.js";
import { DimsBar } from "./dims-bar.js";
import { DimsControl } from "./dims-control.js";
import { sliderAxes } from "./dims-model.js";
import { makeViewHandle, registerView } from "./hook.js";
import { Hud } from "./hud.js";
import { InputBinding } from "./input.js";
import { LoadingBadge } from "./loading-badge.js";
import type { LayerLevels } from "./meta.js";
import { MetaView } from "./meta-view.js";
import { StreamPipeline } from "./pipeline.js";
import { SizeWatcher } from "./size-watcher.js";
import { deviceCanvas } from "./sizing.js";
import { LocalViewerState } from "./state-sync.js";
import { ViewStats } from "./stats.js";
import { StatusBoard } from "./status-board.js";
import { connectionText, noH264Text, webCodecsUnavailableText } from "./status.js";
import type { ConnectionStatus } from "./stream-client.js";
import {
  canvasEqual,
  readCamera,
  readDims,
  readLayers,
  type DimsTrait,
  type StreamInfoTrait,
  type ViewerTraits,
} from "./traits.js";
import { streamUrls, type PageLocation } from "./url.js";
import { buildCanvasDom, buildMessage, drawFrame, resizeCanvas, type ViewDom } from "./view-dom.js";

const CONNECT_RETRY_MS = 5000;

/** What the session needs from the widget model and the page. */
export interface SessionHost {
  readonly modelId: string;
  readonly location: PageLocation;
  baseUrl(): string;
  traits(): ViewerTraits;
  widthTrait(): number | null;
  heightTrait(): number;
  sendToKernel(msg: { type: string }): void;
  writeCamera(camera: Camera): void;
  writeDims(dims: DimsTrait): void;
  writeLayerLevels(levels: LayerLevels): void;
  writeCanvas(canvas: Canvas): void;
  writeStreamInfo(info: StreamInfoTrait): void;
}

let nextViewId = 1;

/** The runtime behind one ViewerView. */
export class ViewerSession {
  private readonly state: LocalViewerState;
  private readonly stats = new ViewStats();
  private readonly board: StatusBoard;
  private dom: ViewDom | null = null;
  private dimsBar: DimsBar | null = null;
  private input: InputBinding | null = null;
  private sizes: SizeWatcher | null = null;
  private pipeline: StreamPipeline | null = null;
  private conn: ConnectionInfo | null = null;
  private codecs: string[] | null = null;
  private config: StreamConfig | null = null;
  private canvas: Canvas | null = null;
  private transport: "proxy" | "direct" | null = null;
  private startedAt = 0;
  private lastConnectRequest = -Infinity;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private readonly cameraControl: CameraControl;
  private readonly dimsControl: DimsControl;
  private readonly meta: MetaView;
  private readonly unregister: () => void;
  private disposed = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: SessionHost,
  ) {
    this.state = new LocalViewerState(host.traits());
    const send = (seq: number, inputTime: number) => this.sendLocal(seq, inputTime);
    const state = this.state;
    this.cameraControl = new CameraControl({
      state,
      canvas: () => this.canvas,
      send,
      write: (camera) => !this.disposed && host.writeCamera(camera),
    });
    this.dimsControl = new DimsControl({
      state,
      send: (seq, t) => {
        send(seq, t);
        this.showDims();
      },
      write: (dims) => !this.disposed && host.writeDims(dims),
    });
    this.meta = new MetaView((levels) => {
      if (!this.disposed) host.writeLayerLevels(levels);
    });
    this.board = new StatusBoard({
      stats: this.stats,
      config: () => this.config,
      meta: () => this.meta.latest,
      canvas: () => this.canvas,
      transport: () => this.transport,
      writeInfo: (info) => host.writeStreamInfo(info),
    });
    this.unregister = registerView(
      makeViewHandle({
        modelId: host.modelId,
        viewId: `v${nextViewId++}`,
        stats: this.stats,
        canvas: () => this.dom?.canvas ?? null,
        status: () => this.board.status,
        error: () => this.board.error,
        stream: () => this.config,
        transport: () => this.transport,
        seq: () => this.state.seq,
        camera: () => this.state.camera,
        dims: () => this.state.dims,
        meta: () => this.meta.latest,
      }),
    );
  }

  /** Build the DOM, ask the kernel for the connection and probe the decoder. */
  start(): void {
    const doc = this.root.ownerDocument;
    this.startedAt = performance.now();
    if (!hasWebCodecs()) {
      const text = webCodecsUnavailableText(doc.defaultView?.location.origin ?? "unknown");
      this.root.append(buildMessage(doc, text));
      this.board.error = text;
      this.board.set("unsupported", text);
      return;
    }
    this.dom = buildCanvasDom(doc);
    const hud = new Hud(doc);
    const badge = new LoadingBadge(doc);
    this.dom.container.append(hud.el, badge.el);
    this.board.attach(hud);
    this.meta.attach(badge);
    this.dimsBar = new DimsBar(doc, {
      move: (axis, value, t) => this.dimsControl.move(axis, value, t),
      release: () => this.dimsControl.release(),
    });
    this.root.append(this.dom.container, this.dimsBar.el);
    this.showDims();
    this.applySizeTraits();
    this.input = new InputBinding(this.dom.canvas, this.cameraControl);
    this.sizes = new SizeWatcher(this.dom.canvas, () => this.measure());
    this.board.set("waiting", "waiting for the kernel…");
    this.requestConnection();
    this.measure();
    this.tickTimer = setInterval(() => this.tick(), 1000);
    browserCodecs().then(
      (codecs) => {
        if (this.disposed) return;
        this.codecs = codecs;
        if (codecs.length === 0) this.board.fail(noH264Text(H264_CODECS));
        else this.maybeConnect();
      },
      (err: unknown) => this.board.fail(`the codec probe failed: ${String(err)}`),
    );
  }

  /** A custom message from the kernel (connection hand-off or error). */
  onKernelMessage(content: unknown): void {
    if (this.disposed) return;
    const m = parseKernelMessage(content);
    if (m.type === "error") this.board.fail(m.message);
    if (m.type !== "connection" || sameConnection(this.conn, m.info)) return;
    this.conn = m.info;
    this.board.clearError();
    this.closePipeline();
    this.maybeConnect();
  }

  /** A synced trait changed on the model (from the kernel or another view of it). */
  onModelChange(key: "camera" | "dims" | "layers" | "width" | "height"): void {
    if (this.disposed) return;
    if (key === "width" || key === "height") {
      this.applySizeTraits();
      this.sizes?.schedule();
      return;
    }
    const t = this.host.traits();
    const now = performance.now();
    const seq =
      key === "camera"
        ? this.state.applyModelCamera(readCamera(t.camera), now)
        : key === "dims"
          ? this.state.applyModelDims(readDims(t.dims), now)
          : this.state.applyModelLayers(readLayers(t.layers));
    if (seq !== null) this.pipeline?.sendState(seq, this.state.wire());
    if (key === "dims") this.showDims();
  }

  /** Lumino told the view it was resized or shown. */
  remeasure(): void {
    this.sizes?.schedule();
  }

  /** Tear everything down; safe to call twice; never throws. */
  dispose(): void {
    if (this.disposed) return;
    const steps: Array<() => void> = [
      () => this.cameraControl.dispose(),
      () => this.dimsControl.dispose(),
      () => (this.disposed = true),
      () => this.closePipeline(),
      () => this.input?.dispose(),
      () => this.sizes?.dispose(),
      () => this.meta.dispose(),
      () => this.board.dispose(),
      () => this.tickTimer !== null && clearInterval(this.tickTimer),
      () => this.unregister(),
      () => this.dom?.container.remove(),
      () => this.dimsBar?.el.remove(),
    ];
    for (const step of steps) {
      try {
        step();
      } catch {
        // Cleanup goes on with the next step whatever happened.
      }
    }
    this.disposed = true;
  }

  private maybeConnect(): void {
    const { conn, canvas, codecs, dom } = this;
    if (this.disposed || this.pipeline !== null || conn === null || canvas === null || dom === null) return;
    if (codecs === null || codecs.length === 0) return;
    let urls;
    try {
      urls = streamUrls(this.host.location, this.host.baseUrl(), conn.port, conn.transport);
    } catch (err) {
      this.board.fail(String(err));
      return;
    }
    this.pipeline = new StreamPipeline({
      urls,
      hello: () => ({
        type: "hello",
        protocol: PROTOCOL_VERSION,
        token: conn.token,
        viewer_id: conn.viewerId,
        canvas: this.canvas ?? canvas,
        codecs,
        seq: this.state.seq,
        state: this.state.wire(),
      }),
      draw: (frame) => drawFrame(dom, frame, this.canvas?.width ?? frame.displayWidth),
      stats: this.stats,
      events: {
        status: (s) => this.onConnectionStatus(s),
        error: (message) => this.board.showError(message),
        config: (cfg) => {
          this.config = cfg;
          this.board.refresh(performance.now());
        },
        displayed: (f) => this.board.frameShown(f.displayedAt),
        meta: (m) => {
          this.meta.update(m);
          this.board.refresh(performance.now());
        },
      },
    });
    this.pipeline.start();
  }

  private closePipeline(): void {
    const p = this.pipeline;
    this.pipeline = null;
    this.config = null;
    this.meta.clear();
    p?.dispose();
  }

  private onConnectionStatus(s: ConnectionStatus): void {
    if (s.state === "closed") return;
    if (s.state === "open" || s.state === "connecting") this.transport = s.transport;
    // Inputs from before a drop are shown by the reconnect's keyframe: not a motion-to-photon sample.
    if (s.state === "reconnecting" || s.state === "failed") {
      this.stats.seqs.clear();
      // The dropped connection's loading count no longer means anything; the next hello gets a fresh meta.
      this.meta.clear();
    }
    // The daemon may have been restarted on another port: ask the kernel again while retrying.
    if (s.state === "reconnecting" && s.attempt >= 2) this.requestConnection();
    const { status, text, kind } = connectionText(s, this.stats.frames > 0);
    if (kind === "error") this.board.error = text;
    else if (s.state === "open") this.board.error = null;
    this.board.set(status, text);
  }

  /** The local state changed by an interaction: record the input time for m2p and send it. */
  private sendLocal(seq: number, inputTime: number): void {
    this.stats.seqs.record(seq, inputTime);
    this.pipeline?.sendState(seq, this.state.wire());
  }

  /** Sync the sliders with the local dims. */
  private showDims(): void {
    this.dimsBar?.update(sliderAxes(this.state.dims));
  }

  private measure(): void {
    const dom = this.dom;
    if (this.disposed || dom === null) return;
    const dpr = this.root.ownerDocument.defaultView?.devicePixelRatio ?? 1;
    const next = deviceCanvas(dom.canvas.clientWidth, dom.canvas.clientHeight, dpr);
    if (next === null || canvasEqual(next, this.canvas)) return;
    this.canvas = next;
    resizeCanvas(dom, next.width, next.height, this.stats.frames > 0);
    this.host.writeCanvas(next);
    if (this.pipeline?.isOpen) this.pipeline.resize(this.state.bump(), next);
    else this.maybeConnect();
  }

  private applySizeTraits(): void {
    const canvas = this.dom?.canvas;
    if (canvas === undefined) return;
    const w = this.host.widthTrait();
    canvas.style.width = w === null ? "100%" : `${w}px`;
    canvas.style.height = `${this.host.heightTrait()}px`;
  }

  private requestConnection(): void {
    const now = performance.now();
    if (now - this.lastConnectRequest < CONNECT_RETRY_MS) return;
    this.lastConnectRequest = now;
    this.host.sendToKernel({ type: "connect" });
  }

  private tick(): void {
    if (this.disposed) return;
    if (this.conn === null && this.board.status === "waiting") {
      this.requestConnection();
      if (performance.now() - this.startedAt > 3000) {
        this.board.set("waiting", "waiting for the kernel to hand over the stream connection (is it busy?)…");
      }
    }
    this.board.refresh(performance.now());
  }
}
