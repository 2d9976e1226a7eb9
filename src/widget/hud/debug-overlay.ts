/**
 * The debug overlay (`.napari-cuda-debug`, over the canvas's top-left corner): renderer, encoder,
 * frame rate, fresh latency, frame size and data level, plus why this renderer and encoder, and a
 * marker (`.napari-cuda-predicted`: a dot and "predicted") while a prediction, a stored frame
 * warped to a camera the daemon has not rendered yet, is on screen. Off by default: shown while the synced trait `debug_overlay` is true, or after a local toggle (the
 * toolbar's button), which the next change of the trait overrides.
 */
import type { StreamConfig } from "../../protocol/stream.js";
import type { ViewContext } from "../parts/part.js";
import { hudLevel } from "../state/meta.js";
import { FreshSamples } from "./fresh.js";
import { hudLine, type HudInfo } from "./hud.js";

/** Redraw at most this often while frames arrive, and at least this often while shown (ms). */
const REFRESH_MS = 250;
const IDLE_REFRESH_MS = 1000;

/** The overlay's lines: the figures, then why this renderer and encoder (when the daemon said). */
export function debugLines(info: HudInfo, cfg: StreamConfig | null, frames: number, dropped: number): string[] {
  const lines = [hudLine(info)];
  if (cfg?.backend_reason) lines.push(`renderer: ${cfg.backend_reason}`);
  if (cfg?.encoder_reason) lines.push(`encoder: ${cfg.encoder_reason}`);
  lines.push(`frames shown: ${frames}${dropped > 0 ? ` · not shown: ${dropped}` : ""}`);
  return lines.filter((l) => l !== "");
}

export class DebugOverlay {
  readonly el: HTMLDivElement;
  /** Shown while a prediction is on screen. */
  readonly marker: HTMLSpanElement;
  private readonly text: HTMLSpanElement;
  private local: boolean | null = null;
  private readonly latency = new FreshSamples();
  private lastAt = -Infinity;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly off: Array<() => void> = [];

  /** `changed(shown)` runs whenever the overlay is shown or hidden (the toolbar's pressed state). */
  constructor(
    private readonly ctx: ViewContext,
    private readonly changed: (shown: boolean) => void = () => {},
  ) {
    this.el = ctx.doc.createElement("div");
    this.el.className = "napari-cuda-debug";
    Object.assign(this.el.style, {
      position: "absolute",
      top: "4px",
      left: "4px",
      maxWidth: "calc(100% - 8px)",
      padding: "2px 6px",
      borderRadius: "3px",
      background: "rgba(0, 0, 0, 0.6)",
      color: "#e8e8e8",
      font: "11px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      whiteSpace: "pre-wrap",
      overflowWrap: "anywhere",
      userSelect: "none",
      display: "none",
    } satisfies Partial<CSSStyleDeclaration>);
    this.marker = ctx.doc.createElement("span");
    this.marker.className = "napari-cuda-predicted";
    this.marker.style.color = "#ffb000";
    this.marker.style.display = "none";
    this.marker.textContent = "\u25cf predicted\n";
    this.text = ctx.doc.createElement("span");
    this.el.append(this.marker, this.text);
    ctx.slots.overlay.append(this.el);
    this.off.push(
      ctx.on("trait", (name) => {
        if (name !== "debug_overlay") return;
        this.local = null;
        this.sync();
      }),
      ctx.on("frame", ({ displayedAt }) => {
        // Observed whether shown or not, so that turning it on never shows old samples as fresh.
        this.latency.observe(ctx.stats.m2p.values, displayedAt);
        if (this.shown && displayedAt - this.lastAt >= REFRESH_MS) this.render(displayedAt);
      }),
      ctx.on("config", () => this.shown && this.render(performance.now())),
      ctx.stats.onPredicting(() => this.showMarker()),
    );
    this.sync();
  }

  /** Shown: the local toggle if one was made since the trait last changed, else the trait. */
  get shown(): boolean {
    return this.local ?? this.ctx.trait("debug_overlay") === true;
  }

  /** Flip the overlay for this view only. */
  toggle(): void {
    this.local = !this.shown;
    this.sync();
  }

  dispose(): void {
    for (const off of this.off.splice(0)) off();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.el.remove();
  }

  private sync(): void {
    const shown = this.shown;
    this.el.style.display = shown ? "" : "none";
    if (shown && this.timer === null) {
      this.timer = setInterval(() => this.render(performance.now()), IDLE_REFRESH_MS);
    } else if (!shown && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (shown) this.render(performance.now());
    this.showMarker();
    this.changed(shown);
  }

  private showMarker(): void {
    const display = this.shown && this.ctx.stats.predicting ? "" : "none";
    if (this.marker.style.display !== display) this.marker.style.display = display;
  }

  private render(now: number): void {
    this.lastAt = now;
    const { stats } = this.ctx;
    const s = stats.summary(now);
    const cfg = this.ctx.config();
    const text = debugLines(
      {
        backend: cfg?.backend ?? null,
        encoder: cfg?.encoder ?? null,
        fps: s.fps,
        m2pMs: this.latency.median(now),
        width: s.width,
        height: s.height,
        ...hudLevel(this.ctx.meta(), s),
      },
      cfg,
      stats.frames,
      stats.dropped,
    ).join("\n");
    if (this.text.textContent !== text) this.text.textContent = text;
  }
}
