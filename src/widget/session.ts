/**
 * One displayed view at run time: canvas + HUD, sizing, interaction, local state and seq, the
 * stream pipeline, status texts and the benchmark hook. Framework-free: the widget view hands
 * it a SessionHost.
 */
import { cssSize } from "../protocol/camera.js";
import type { Camera, Canvas } from "../protocol/state.js";
import { H264_CODECS, isStillCodec } from "../protocol/codecs.js";
import type { StreamConfig, StreamSync } from "../protocol/stream.js";
import { PROTOCOL_VERSION } from "../protocol/version.js";
import { browserCodecs, hasWebCodecs } from "./stream/codecs.js";
import { parseKernelMessage, sameConnection, type ConnectionInfo } from "./stream/connection.js";
import { CameraControl } from "./interaction/camera-control.js";
import { DimsBar } from "./controls/dims-bar.js";
import { DimsControl } from "./interaction/dims-control.js";
import { sliderAxes } from "./state/dims-model.js";
import { makeViewHandle, registerView } from "./instrument/hook.js";
import { Hud } from "./hud/hud.js";
import { InputBinding } from "./interaction/input.js";
import { LoadingBadge } from "./hud/loading-badge.js";
import type { LayerLevels } from "./state/meta.js";
import { MetaView } from "./state/meta-view.js";
import { StreamPipeline } from "./stream/pipeline.js";
import { SYNC_ECHO_MS, ViewSync } from "./stream/view-sync.js";
import { SizeWatcher } from "./display/size-watcher.js";
import { deviceCanvas } from "./display/sizing.js";
import { LocalViewerState } from "./state/state-sync.js";
import { ViewStats } from "./instrument/stats.js";
import { StatusBoard } from "./hud/status-board.js";
import { connectionText, noH264Text, webCodecsUnavailableText } from "./hud/status.js";
import type { ConnectionStatus } from "./stream/stream-client.js";
import {
  canvasEqual,
  readCamera,
  readDims,
  readLayers,
  type DimsTrait,
  type StreamInfoTrait,
  type ViewerTraits,
} from "./state/traits.js";
import { streamUrls, type PageLocation, type Transport } from "./stream/url.js";
import { CommRelays, relaySocketFactory } from "./stream/comm-socket.js";
import { buildCanvasDom, buildMessage, resizeCanvas, type ViewDom } from "./display/view-dom.js";
import { FrameClock } from "./display/frame-clock.js";
import { Painter } from "./display/painter.js";
import { Prediction, recentLatency } from "./display/prediction.js";
import type { PredictView } from "./predict/camera-log.js";
import { buildLayout, type ViewLayout } from "./display/layout.js";
import { ViewEmitter } from "./parts/events.js";
import { PARTS } from "./parts/index.js";
import type { ViewContext, ViewPart } from "./parts/part.js";
import type { LayerTrait } from "./state/traits.js";
import { Throttle } from "./util/throttle.js";

const CONNECT_RETRY_MS = 5000;
/** Minimum time between two layer writes to the model while a panel control moves (ms). */
const LAYERS_WRITE_MS = 100;

/** What the session needs from the widget model and the page. */
export interface SessionHost {
  readonly modelId: string;
  readonly location: PageLocation;
  baseUrl(): string;
  traits(): ViewerTraits;
  widthTrait(): number | null;
  heightTrait(): number;
  sendToKernel(msg: { type: string }): void;
  /**
   * Send a comm-relay message without tracking its kernel reply (no busy/idle bookkeeping); false where
   * the page's kernel connection cannot (the message was then not sent).
   */
  sendUntracked?(msg: { type: string }): boolean;
  writeCamera(camera: Camera): void;
  writeDims(dims: DimsTrait): void;
  writeLayerLevels(levels: LayerLevels): void;
  writeCanvas(canvas: Canvas): void;
  writeStreamInfo(info: StreamInfoTrait): void;
  writeLayers(layers: LayerTrait[]): void;
  /** A synced trait's raw value (for parts: overlays, debug_overlay, ...). */
  rawTrait(name: string): unknown;
}

let nextViewId = 1;

/** The runtime behind one ViewerView. */
export class ViewerSession {
  private readonly state: LocalViewerState;
  /** The other views' moves the daemon synced to this one (stream/view-sync.ts). */
  private readonly viewSync: ViewSync;
  /** Model values ignored as echoes, looked at again when syncs stop (recheckModel). */
  private readonly rechecks = new Map<"camera" | "dims", ReturnType<typeof setTimeout>>();
  private readonly stats = new ViewStats();
  private readonly clock = new FrameClock();
  private readonly prediction: Prediction;
  private painter: Painter | null = null;
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
  private transport: Transport | null = null;
  /** The comm transport's relayed sockets (the kernel relays the daemon's /stream). */
  private readonly relays: CommRelays;
  private startedAt = 0;
  private lastConnectRequest = -Infinity;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private readonly cameraControl: CameraControl;
  private readonly dimsControl: DimsControl;
  private readonly meta: MetaView;
  private readonly unregister: () => void;
  private readonly events = new ViewEmitter();
  private readonly layersWrite: Throttle;
  private layout: ViewLayout | null = null;
  private parts: ViewPart[] = [];
  private selectedId: string | null = null;
  private disposed = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: SessionHost,
  ) {
    this.state = new LocalViewerState(host.traits());
    this.viewSync = new ViewSync(this.state);
    // Not gated on disposed: relay_close must reach the kernel while the view is torn down.
    this.relays = new CommRelays((msg) => host.sendToKernel(msg), host.sendUntracked?.bind(host));
    this.prediction = new Prediction(host.rawTrait("predict") !== false);
    this.layersWrite = new Throttle(() => {
      if (this.disposed) return;
      this.state.noteLayersWrite(this.state.layers, performance.now());
      host.writeLayers(this.state.layers);
    }, LAYERS_WRITE_MS);
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
        predict: () => this.prediction.enabled,
        overscan: () => this.prediction.overscan(),
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
    this.painter = new Painter(
      this.dom,
      {
        predict: () => this.prediction.enabled,
        view: () => this.predictView(),
        frameView: (seq) => this.prediction.viewAt(seq),
        cssSize: () => (this.canvas === null ? null : cssSize(this.canvas)),
        deviceSize: () => (this.canvas === null ? null : { width: this.canvas.width, height: this.canvas.height }),
      },
      this.stats,
      this.clock,
    );
    const hud = new Hud(doc);
    const badge = new LoadingBadge(doc);
    this.dom.container.append(hud.el, badge.el);
    this.board.attach(hud);
    this.meta.attach(badge);
    this.dimsBar = new DimsBar(doc, {
      move: (axis, value, t) => this.dimsControl.move(axis, value, t),
      release: () => this.dimsControl.release(),
    });
    this.layout = buildLayout(doc, this.root, this.dom, this.dimsBar.el);
    this.showDims();
    this.applySizeTraits();
    this.input = new InputBinding(this.dom.canvas, this.cameraControl);
    this.startParts(doc, this.layout);
    this.sizes = new SizeWatcher(this.dom.canvas, () => this.measure());
    this.board.set("waiting", "waiting for the kernel…");
    this.requestConnection();
    this.measure();
    this.tickTimer = setInterval(() => this.tick(), 1000);
    browserCodecs().then(
      (codecs) => {
        if (this.disposed) return;
        this.codecs = codecs;
        if (!codecs.some((c) => (H264_CODECS as readonly string[]).includes(c)))
          this.board.fail(noH264Text(H264_CODECS));
        else this.maybeConnect();
      },
      (err: unknown) => this.board.fail(`the codec probe failed: ${String(err)}`),
    );
  }

  /** A custom message from the kernel (connection hand-off or error; others go to the parts). */
  onKernelMessage(content: unknown, buffers: DataView[] = []): void {
    if (this.disposed || this.relays.handle(content, buffers)) return;
    const m = parseKernelMessage(content);
    if (m.type === "ignored" && typeof content === "object" && content !== null) {
      this.events.emit("kernel", { content: content as Record<string, unknown>, buffers });
    }
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
    // The kernel's late echo of another view's move: this view already shows a newer one (sync).
    if (
      (key === "camera" && this.viewSync.staleCamera(readCamera(t.camera), now)) ||
      (key === "dims" && this.viewSync.staleDims(readDims(t.dims), now))
    ) {
      this.recheckModel(key);
      return;
    }
    const seq =
      key === "camera"
        ? this.state.applyModelCamera(readCamera(t.camera), now)
        : key === "dims"
          ? this.state.applyModelDims(readDims(t.dims), now)
          : this.state.applyModelLayers(readLayers(t.layers), now);
    if (seq !== null) {
      this.sendState(seq);
      this.events.emit("state", undefined);
    }
    if (key === "dims") this.showDims();
  }

  /**
   * Look at a model value taken for an echo again once syncs have stopped: the kernel holds the
   * truth, and when the last sync this view got was not the mover's final value (its move reached
   * the daemon under another view's hold), the model's value is the one to show.
   */
  private recheckModel(key: "camera" | "dims"): void {
    clearTimeout(this.rechecks.get(key));
    this.rechecks.set(
      key,
      setTimeout(() => {
        this.rechecks.delete(key);
        this.onModelChange(key);
      }, SYNC_ECHO_MS + 50),
    );
  }

  /** Another synced trait changed on the model (parts read it through ViewContext.trait). */
  onTraitChange(name: string): void {
    if (this.disposed) return;
    if (name === "predict" && this.prediction.setEnabled(this.host.rawTrait("predict") !== false)) {
      if (!this.prediction.enabled) this.painter?.predictOff();
      this.sendState(this.state.bump()); // the daemon learns the new overscan
    }
    this.events.emit("trait", name);
  }

  /** Lumino told the view it was resized or shown. */
  remeasure(): void {
    this.sizes?.schedule();
  }

  /** Tear everything down; safe to call twice; never throws. */
  dispose(): void {
    if (this.disposed) return;
    const steps: Array<() => void> = [
      ...this.parts.map((part) => () => part.dispose()),
      () => this.layersWrite.flush(),
      () => this.rechecks.forEach((timer) => clearTimeout(timer)),
      () => this.layersWrite.dispose(),
      () => this.events.clear(),
      () => this.cameraControl.dispose(),
      () => this.dimsControl.dispose(),
      () => (this.disposed = true),
      () => this.closePipeline(),
      () => this.relays.dispose(),
      () => this.painter?.dispose(),
      () => this.clock.dispose(),
      () => this.input?.dispose(),
      () => this.sizes?.dispose(),
      () => this.meta.dispose(),
      () => this.board.dispose(),
      () => this.tickTimer !== null && clearInterval(this.tickTimer),
      () => this.unregister(),
      () => this.layout?.frame.remove(),
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
    const painter = this.painter;
    if (painter === null) return;
    this.pipeline = new StreamPipeline({
      urls,
      hello: () => {
        this.prediction.record(this.state.seq, this.predictView());
        return {
          type: "hello",
          protocol: PROTOCOL_VERSION,
          token: conn.token,
          viewer_id: conn.viewerId,
          canvas: this.canvas ?? canvas,
          codecs,
          seq: this.state.seq,
          state: this.state.wire(),
          overscan: this.prediction.overscan(),
        };
      },
      draw: (frame, header) => painter.frame(frame, header),
      socketFactory: relaySocketFactory(this.relays),
      clock: this.clock,
      stats: this.stats,
      events: {
        status: (s) => this.onConnectionStatus(s),
        error: (message) => this.board.showError(message),
        config: (cfg) => {
          // A still's config (High 4:4:4) goes to its own decoder; the stream is what the view reports.
          if (isStillCodec(cfg.codec)) return;
          this.config = cfg;
          this.board.refresh(performance.now());
          this.events.emit("config", cfg);
        },
        displayed: (f) => {
          this.board.frameShown(f.displayedAt);
          this.events.emit("frame", { displayedAt: f.displayedAt });
        },
        sync: (m) => this.onSync(m),
        meta: (m) => {
          this.meta.update(m);
          this.board.refresh(performance.now());
          this.events.emit("meta", m);
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
    // The daemon went away (it may have been restarted on another port) or retries keep failing: ask the
    // kernel. The first ask after the daemon went away is never throttled (it may follow a recent one).
    if (s.state === "reconnecting" && s.askKernel === true) this.requestConnection(s.attempt === 1);
    const shown = connectionText(s, this.stats.frames > 0);
    const { status, kind } = shown;
    // The status line names the transport it is trying (proxy, direct, or the kernel's comm relay).
    const text = s.state === "connecting" || s.state === "open" ? `${shown.text} (via ${s.transport})` : shown.text;
    if (kind === "error") this.board.error = text;
    else if (s.state === "open") this.board.error = null;
    this.board.set(status, text);
    this.events.emit("status", { status: this.board.status, text: this.board.text, error: this.board.error });
  }

  /**
   * Another view of the viewer moved the camera or dims (the daemon's sync): take them locally under
   * a new seq and send that state (not an input: no m2p sample; no model write, the mover writes it).
   */
  private onSync(m: StreamSync): void {
    if (this.disposed) return;
    const seq = this.viewSync.adopt(m, performance.now());
    if (seq === null) return;
    this.sendState(seq);
    this.showDims();
    this.events.emit("state", undefined);
  }

  /** The local state changed by an interaction: record the input time for m2p and send it. */
  private sendLocal(seq: number, inputTime: number): void {
    this.stats.seqs.record(seq, inputTime);
    this.sendState(seq);
    this.events.emit("state", undefined);
  }

  /**
   * Send the local state as `seq` with the overscan (the camera of every seq is logged, so a frame
   * can be warped from its own camera), and redraw the prediction at the next display frame.
   */
  private sendState(seq: number): void {
    const view = this.predictView();
    this.prediction.record(seq, view);
    if (this.prediction.moved(view.camera)) this.feedOverscan(view);
    this.pipeline?.sendState(seq, this.state.wire(), this.prediction.overscan());
    this.painter?.request();
  }

  /** Feed the overscan policy; true when the overscan changed. */
  private feedOverscan(view: PredictView): boolean {
    return this.prediction.feed(performance.now(), view, this.canvas, recentLatency(this.stats.m2p.values));
  }

  private predictView(): PredictView {
    return { camera: this.state.camera, ndisplay: this.state.dims.ndisplay === 3 ? 3 : 2 };
  }

  /** The selected layer: the chosen one while it exists, else the top layer. */
  private selection(): string | null {
    const layers = this.state.layers;
    if (this.selectedId !== null && layers.some((l) => l.id === this.selectedId)) return this.selectedId;
    return layers.length > 0 ? layers[layers.length - 1]!.id : null;
  }

  /** Build the parts (PARTS) into the layout; a part that fails to build is left out, with a warning. */
  private startParts(doc: Document, layout: ViewLayout): void {
    const ctx = this.context(doc, layout);
    for (const make of PARTS) {
      try {
        this.parts.push(make(ctx));
      } catch (err) {
        console.warn("napari-cuda: a view part failed to start", err);
      }
    }
  }

  private context(doc: Document, slots: ViewLayout): ViewContext {
    const state = this.state;
    const board = this.board;
    const setLayers = (layers: LayerTrait[]) => {
      if (this.disposed) return;
      this.sendLocal(state.setLayers(layers), performance.now());
      this.layersWrite.request();
    };
    return {
      doc,
      slots,
      stats: this.stats,
      camera: () => state.camera,
      seq: () => state.seq,
      dims: () => state.dims,
      layers: () => state.layers,
      canvas: () => this.canvas,
      meta: () => this.meta.latest,
      config: () => this.config,
      status: () => ({ status: board.status, text: board.text, error: board.error }),
      trait: (name) => this.host.rawTrait(name),
      selectedLayer: () => this.selection(),
      selectLayer: (id) => {
        if (id !== null && !state.layers.some((l) => l.id === id)) return;
        const before = this.selection();
        this.selectedId = id;
        if (this.selection() !== before) this.events.emit("selection", this.selection());
      },
      stream: () => this.pipeline,
      setLayer: (id, patch) => setLayers(state.layers.map((l) => (l.id === id ? { ...l, ...patch, id } : l))),
      moveLayers: (ids) => {
        const byId = new Map(state.layers.map((l) => [l.id, l]));
        const next = ids.map((id) => byId.get(id)).filter((l): l is LayerTrait => l !== undefined);
        if (next.length !== state.layers.length || new Set(ids).size !== ids.length) return;
        setLayers(next);
        this.layersWrite.flush();
      },
      setCamera: (camera) => {
        if (this.disposed) return;
        this.sendLocal(state.setCamera(camera), performance.now());
        state.noteWrite(camera, performance.now());
        this.host.writeCamera(camera);
      },
      setDims: (dims) => {
        if (this.disposed) return;
        this.sendLocal(state.setDims(dims), performance.now());
        state.noteDimsWrite(dims, performance.now());
        this.host.writeDims(dims);
        this.showDims();
      },
      sendToKernel: (msg) => {
        if (!this.disposed) this.host.sendToKernel(msg);
      },
      on: (name, fn) => this.events.on(name, fn),
    };
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
    this.painter?.resized();
    this.host.writeCanvas(next);
    this.events.emit("canvas", next);
    if (this.pipeline?.isOpen) this.pipeline.resize(this.state.bump(), next);
    else this.maybeConnect();
  }

  private applySizeTraits(): void {
    const canvas = this.dom?.canvas;
    if (canvas === undefined) return;
    const w = this.host.widthTrait();
    canvas.style.width = w === null ? "100%" : `${w}px`;
    canvas.style.height = `${this.host.heightTrait()}px`;
    // The viewport (canvas + overlay slot) is exactly the canvas: overlays centre and clip on it.
    if (this.dom !== null) this.dom.container.style.width = w === null ? "100%" : `${w}px`;
  }

  private requestConnection(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastConnectRequest < CONNECT_RETRY_MS) return;
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
    // At rest the overscan shrinks back after its hold: tell the daemon.
    if (this.feedOverscan(this.predictView())) this.sendState(this.state.bump());
  }
}
