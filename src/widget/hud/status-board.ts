/**
 * A view's status, error line and the throttled `stream_info` trait write, kept together so every
 * status change reaches the status line, the hook and the kernel the same way. The stream figures
 * are the debug overlay's (debug-overlay.ts), off by default.
 */
import type { Canvas } from "../../protocol/state.js";
import type { StreamConfig, StreamMeta } from "../../protocol/stream.js";
import type { Hud } from "./hud.js";
import type { ViewStats } from "../instrument/stats.js";
import type { ViewStatus } from "./status.js";
import { Throttle } from "../util/throttle.js";
import type { StreamInfoTrait } from "../state/traits.js";

export const INFO_WRITE_MS = 1000;

export interface StatusSources {
  stats: ViewStats;
  config(): StreamConfig | null;
  /** The latest meta message, or null before the first. */
  meta(): StreamMeta | null;
  canvas(): Canvas | null;
  transport(): "proxy" | "direct" | "comm" | null;
  writeInfo(info: StreamInfoTrait): void;
}

export class StatusBoard {
  status: ViewStatus = "starting";
  text = "";
  error: string | null = null;
  private hud: Hud | null = null;
  private lastInfo = "";
  private readonly infoWrite = new Throttle(() => this.writeInfo(), INFO_WRITE_MS);

  constructor(private readonly src: StatusSources) {}

  /** Show the status in `hud` from now on. */
  attach(hud: Hud): void {
    this.hud = hud;
    this.render();
  }

  set(status: ViewStatus, text: string): void {
    this.status = status;
    this.text = text;
    this.render();
  }

  /** An error line that stays until a new frame is shown or the connection changes. */
  showError(message: string): void {
    this.error = message;
    this.render();
  }

  clearError(): void {
    this.error = null;
    this.render();
  }

  /** Unrecoverable for now: status "failed" with the message as error. */
  fail(message: string): void {
    this.error = message;
    this.set("failed", message);
  }

  /** A frame was drawn: clear transient texts. */
  frameShown(_now: number): void {
    if (this.error !== null || this.text !== "") {
      this.error = null;
      this.set("streaming", "");
    }
  }

  /** Something `stream_info` reports may have changed (config, meta, a tick): schedule its write. */
  refresh(_now: number): void {
    this.infoWrite.request();
  }

  dispose(): void {
    this.infoWrite.dispose();
  }

  private render(): void {
    this.hud?.setStatus(this.error ?? this.text, this.error !== null ? "error" : "info");
    this.infoWrite.request();
  }

  private writeInfo(): void {
    const cfg = this.src.config();
    const canvas = this.src.canvas();
    const info: StreamInfoTrait = {
      status: this.status,
      error: this.error,
      encoder: cfg?.encoder ?? null,
      backend: cfg?.backend ?? null,
      encoder_reason: cfg?.encoder_reason ?? null,
      backend_reason: cfg?.backend_reason ?? null,
      codec: cfg?.codec ?? null,
      fps: Math.round(this.src.stats.fps(performance.now())),
      frames: this.src.stats.frames,
      width: canvas?.width ?? null,
      height: canvas?.height ?? null,
      transport: this.src.transport(),
    };
    const text = JSON.stringify(info);
    if (text === this.lastInfo) return;
    this.lastInfo = text;
    this.src.writeInfo(info);
  }
}
