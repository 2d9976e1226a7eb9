/**
 * A view's status, error line, HUD text and the throttled `stream_info` trait write, kept
 * together so every status change reaches the HUD, the hook and the kernel the same way.
 */
import type { Canvas } from "../../protocol/state.js";
import type { StreamConfig, StreamMeta } from "../../protocol/stream.js";
import { Hud, hudLine } from "./hud.js";
import { hudLevel } from "../state/meta.js";
import { percentile } from "../instrument/samples.js";
import type { ViewStats } from "../instrument/stats.js";
import type { ViewStatus } from "./status.js";
import { Throttle } from "../util/throttle.js";
import type { StreamInfoTrait } from "../state/traits.js";

export const INFO_WRITE_MS = 1000;
const HUD_REFRESH_MS = 250;
/** The HUD's m2p is the median of this many recent samples. */
const HUD_M2P_SAMPLES = 30;
/** How long after a (new) stream config the HUD says why this backend and encoder (ms). */
const WHY_MS = 10_000;

/** "gpu: NVIDIA H100 … · libx264: libx264 (software); h264_nvenc unusable: …" */
function whyLine(cfg: StreamConfig): string | null {
  const parts = [
    cfg.backend_reason ? `${cfg.backend}: ${cfg.backend_reason}` : "",
    cfg.encoder_reason ? `${cfg.encoder}: ${cfg.encoder_reason}` : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : null;
}

export interface StatusSources {
  stats: ViewStats;
  config(): StreamConfig | null;
  /** The latest meta message (multiscale level for the HUD), or null before the first. */
  meta(): StreamMeta | null;
  canvas(): Canvas | null;
  transport(): "proxy" | "direct" | null;
  writeInfo(info: StreamInfoTrait): void;
}

export class StatusBoard {
  status: ViewStatus = "starting";
  text = "";
  error: string | null = null;
  private hud: Hud | null = null;
  private lastHudAt = -Infinity;
  /** What the "why" line explains; a config that only changes the frame size (moving views) keeps it. */
  private whyKey = "";
  private whyUntil = 0;
  private lastInfo = "";
  private readonly infoWrite = new Throttle(() => this.writeInfo(), INFO_WRITE_MS);

  constructor(private readonly src: StatusSources) {}

  /** Show status and stats in `hud` from now on. */
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

  /** A frame was drawn: clear transient texts; refresh the HUD at most every HUD_REFRESH_MS. */
  frameShown(now: number): void {
    if (this.error !== null || this.text !== "") {
      this.error = null;
      this.set("streaming", "");
    }
    if (now - this.lastHudAt >= HUD_REFRESH_MS) this.refresh(now);
  }

  /** Recompute the stats line (fps decays to 0 when frames stop) and schedule a stream_info write. */
  refresh(now: number): void {
    this.lastHudAt = now;
    const { stats } = this.src;
    const s = stats.summary(now);
    const cfg = this.src.config();
    const { level, levelCount } = hudLevel(this.src.meta(), s);
    const whyKey = cfg
      ? [cfg.session_id, cfg.backend, cfg.encoder, cfg.backend_reason, cfg.encoder_reason].join("|")
      : "";
    if (whyKey !== this.whyKey) {
      this.whyKey = whyKey;
      this.whyUntil = now + WHY_MS;
    }
    const line =
      stats.frames === 0
        ? ""
        : hudLine({
            backend: cfg?.backend ?? null,
            encoder: cfg?.encoder ?? null,
            fps: s.fps,
            m2pMs: percentile(stats.m2p.values.slice(-HUD_M2P_SAMPLES), 50),
            width: s.width,
            height: s.height,
            level,
            levelCount,
            why: cfg && now < this.whyUntil ? whyLine(cfg) : null,
          });
    this.hud?.setStats(line);
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
