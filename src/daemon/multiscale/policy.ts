/**
 * Live level controller for one layer in one view: napari's recommendation behind hysteresis, dwell and
 * cooldown, so a zoom hovering at a threshold does not flip levels (and keyframes) every frame.
 *
 * Each update, at the current level `cur` with sampling ratio r (data pixels per screen pixel):
 *   - breach "oversub":  napari recommends a coarser level and r > hystUp   -> want the recommendation
 *   - breach "undersub": napari recommends a finer level   and r < hystDown -> want the recommendation
 *   - otherwise hold (reason "ok") and forget any breach.
 * A breach switches once it has lasted dwellMs (same direction throughout) and cooldownMs has passed
 * since the last switch. No timer runs here: while a switch waits, `nextCheckMs` says when to call
 * update again (the caller re-renders then, even without new input).
 * Immediate choices (no dwell): the first frame ("init"), a change of pyramid or of 2D/3D ("mode"),
 * a locked level ("locked"), 3D coarsest ("coarsest3d"), and NAPARI_CUDA_MS_AUTO=0 ("napari").
 */
import type { MsAutoConfig } from "./env.js";
import { clampLevel, type EstimateMode, type LevelEstimate } from "./estimate.js";

export type LevelReason = "init" | "mode" | "locked" | "coarsest3d" | "napari" | "ok" | "oversub" | "undersub";

export interface LevelDecision {
  /** Level to draw now. */
  level: number;
  /** The level differs from the previous update's (send meta + keyframe). False on the first update. */
  switched: boolean;
  /** The switch came from the hysteresis (count it in napari_cuda_ms_auto_switches). */
  auto: boolean;
  reason: LevelReason;
  /** napari's recommendation this frame. */
  recommended: number;
  /** Sampling ratio at the level drawn before this update (at `level` on the first update). */
  ratio: number;
  /** How long the current breach has lasted (at a switch: the dwell it took); 0 without a breach. */
  dwellMs: number;
  /** A switch is waiting: call update again after this many ms even without new input; null: nothing waits. */
  nextCheckMs: number | null;
}

interface Breach {
  dir: 1 | -1;
  since: number;
}

/** Format of the NAPARI_CUDA_MS_AUTO_DEBUG line. */
export function formatDecision(d: LevelDecision, previous: number): string {
  const ratio = Number.isFinite(d.ratio) ? String(Number(d.ratio.toFixed(2))) : String(d.ratio);
  return `ms.auto: rec=L${d.recommended} cur=L${previous} reason=${d.reason} ratio=${ratio} dwell=${Math.round(d.dwellMs)}ms`;
}

export class LevelPolicy {
  private cur: number | null = null;
  private count = 0;
  private mode: EstimateMode | null = null;
  private breach: Breach | null = null;
  private lastSwitch = -Infinity;
  private lastLogged = "";

  /** `log` receives debug lines when cfg.debug is set (one per change of rec/cur/reason, and each switch). */
  constructor(
    private readonly cfg: MsAutoConfig,
    private readonly log?: (line: string) => void,
  ) {}

  /** Level of the last update (null before the first). */
  get level(): number | null {
    return this.cur;
  }

  /** Forget everything (layer data replaced): the next update is "init". */
  reset(): void {
    this.cur = null;
    this.breach = null;
    this.lastSwitch = -Infinity;
    this.mode = null;
  }

  /** Decide the level for a frame at time `now` (ms, any monotonic clock). */
  update(now: number, est: LevelEstimate, locked: number | null = null): LevelDecision {
    const count = est.ratios.length;
    const prev = this.cur;
    if (prev === null || count !== this.count || est.mode !== this.mode) {
      const reason: LevelReason = prev === null ? "init" : "mode";
      this.count = count;
      this.mode = est.mode;
      return this.jump(now, prev, est, this.immediate(est, locked) ?? { level: est.recommended, reason });
    }
    const fixed = this.immediate(est, locked);
    if (fixed) return this.jump(now, prev, est, fixed);

    const ratio = est.ratios[prev] ?? 1;
    const rec = est.recommended;
    const dir = rec > prev && ratio > this.cfg.hystUp ? 1 : rec < prev && ratio < this.cfg.hystDown ? -1 : 0;
    if (dir === 0) {
      this.breach = null;
      return this.emit(prev, { ...this.base(prev, est, ratio), reason: "ok" });
    }
    if (!this.breach || this.breach.dir !== dir) this.breach = { dir, since: now };
    const dwellMs = now - this.breach.since;
    const reason: LevelReason = dir > 0 ? "oversub" : "undersub";
    const wait = Math.max(this.cfg.dwellMs - dwellMs, this.lastSwitch + this.cfg.cooldownMs - now, 0);
    // Whole ms, rounded up: a timer set for it never fires before the switch is due.
    if (wait > 0) {
      return this.emit(prev, { ...this.base(prev, est, ratio), reason, dwellMs, nextCheckMs: Math.ceil(wait) });
    }
    this.breach = null;
    this.cur = rec;
    this.lastSwitch = now;
    return this.emit(prev, { ...this.base(prev, est, ratio), level: rec, switched: true, auto: true, reason, dwellMs });
  }

  /** A choice that bypasses the hysteresis, or null when the hysteresis decides. */
  private immediate(est: LevelEstimate, locked: number | null): { level: number; reason: LevelReason } | null {
    if (locked !== null) return { level: clampLevel(locked, est.ratios.length), reason: "locked" };
    if (est.mode === "3d-coarsest") return { level: est.recommended, reason: "coarsest3d" };
    if (!this.cfg.auto) return { level: est.recommended, reason: "napari" };
    return null;
  }

  private jump(
    now: number,
    prev: number | null,
    est: LevelEstimate,
    choice: { level: number; reason: LevelReason },
  ): LevelDecision {
    this.breach = null;
    this.cur = choice.level;
    const switched = prev !== null && prev !== choice.level;
    if (switched) this.lastSwitch = now;
    const from = prev ?? choice.level;
    return this.emit(from, { ...this.base(from, est, est.ratios[from] ?? 1), ...choice, switched });
  }

  private base(level: number, est: LevelEstimate, ratio: number): LevelDecision {
    return {
      level,
      switched: false,
      auto: false,
      reason: "ok",
      recommended: est.recommended,
      ratio,
      dwellMs: 0,
      nextCheckMs: null,
    };
  }

  private emit(prev: number, d: LevelDecision): LevelDecision {
    if (this.cfg.debug && this.log) {
      const key = `${d.recommended}/${prev}/${d.reason}`;
      if (d.switched || key !== this.lastLogged) this.log(formatDecision(d, prev));
      this.lastLogged = d.switched ? "" : key;
    }
    return d;
  }
}
