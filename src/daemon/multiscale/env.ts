/**
 * Multiscale level policy settings from the environment (NAPARI_CUDA_MS_AUTO*), defaults as in
 * ../shared/seeds/multiscale-auto-level-design.md.
 *
 *   NAPARI_CUDA_MS_AUTO              1|0 (also true/false, on/off, yes/no); default 1.
 *                                    1: live views use napari's rule behind hysteresis + dwell + cooldown.
 *                                    0: live views use napari's rule as napari does, every frame, no
 *                                    hysteresis (what a napari user sees in napari). It never means
 *                                    "always level 0": on a TB pyramid that would read the whole finest level.
 *                                    A locked level (`layer.locked_data_level`) always wins.
 *   NAPARI_CUDA_MS_AUTO_HYST_UP      > 1 switches coarser when the current level has more than this many
 *                                    data pixels per screen pixel; number in [1, 64]; default 2.0
 *   NAPARI_CUDA_MS_AUTO_HYST_DOWN    switches finer below this many data pixels per screen pixel;
 *                                    number in (0, 1]; default 0.6
 *   NAPARI_CUDA_MS_AUTO_DWELL_MS     a breach must last this long before a switch; integer ms [0, 60000]; default 300
 *   NAPARI_CUDA_MS_AUTO_COOLDOWN_MS  no switch within this long after the previous; integer ms [0, 60000]; default 500
 *   NAPARI_CUDA_MS_AUTO_DEBUG        1: log `ms.auto: rec=L2 cur=L1 reason=oversub ratio=2.4 dwell=320ms`; default 0
 *   NAPARI_CUDA_MS_AUTO_3D           1: 3D views pick a level from the zoom (same hysteresis);
 *                                    default 0: 3D views use the coarsest level, as napari does.
 * A bad value throws ConfigError naming the variable (main prints it and exits 2).
 */
import { ConfigError } from "../config-error.js";

export interface MsAutoConfig {
  /** Hysteresis on (true) or napari's plain per-frame rule (false). */
  auto: boolean;
  hystUp: number;
  hystDown: number;
  dwellMs: number;
  cooldownMs: number;
  debug: boolean;
  auto3d: boolean;
}

/** The documented defaults. */
export function defaultMsAutoConfig(): MsAutoConfig {
  return { auto: true, hystUp: 2.0, hystDown: 0.6, dwellMs: 300, cooldownMs: 500, debug: false, auto3d: false };
}

const TRUE = new Set(["1", "true", "on", "yes"]);
const FALSE = new Set(["0", "false", "off", "no"]);

function flag(name: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (true/false, on/off, yes/no), got ${JSON.stringify(text)}`);
}

function numberIn(name: string, text: string, min: number, max: number, minOpen = false): number {
  const t = text.trim();
  // Number("") is 0 and Number("0x10") is 16: accept plain decimals only.
  if (!/^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw new ConfigError(`${name} must be a number, got ${JSON.stringify(text)}`);
  }
  const n = Number(t);
  if (!Number.isFinite(n) || (minOpen ? n <= min : n < min) || n > max) {
    throw new ConfigError(`${name} must be in ${minOpen ? "(" : "["}${min}, ${max}], got ${n}`);
  }
  return n;
}

function msIn(name: string, text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t))
    throw new ConfigError(`${name} must be an integer number of milliseconds, got ${JSON.stringify(text)}`);
  const n = Number(t);
  if (n > 60_000) throw new ConfigError(`${name} must be in [0, 60000], got ${n}`);
  return n;
}

/** Read NAPARI_CUDA_MS_AUTO* from `env` (unset or empty: default); throws ConfigError naming a bad variable. */
export function parseMsAutoConfig(env: NodeJS.ProcessEnv): MsAutoConfig {
  const cfg = defaultMsAutoConfig();
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v;
  };
  let v: string | undefined;
  if ((v = get("NAPARI_CUDA_MS_AUTO")) !== undefined) cfg.auto = flag("NAPARI_CUDA_MS_AUTO", v);
  if ((v = get("NAPARI_CUDA_MS_AUTO_HYST_UP")) !== undefined)
    cfg.hystUp = numberIn("NAPARI_CUDA_MS_AUTO_HYST_UP", v, 1, 64);
  if ((v = get("NAPARI_CUDA_MS_AUTO_HYST_DOWN")) !== undefined) {
    cfg.hystDown = numberIn("NAPARI_CUDA_MS_AUTO_HYST_DOWN", v, 0, 1, true);
  }
  if ((v = get("NAPARI_CUDA_MS_AUTO_DWELL_MS")) !== undefined) cfg.dwellMs = msIn("NAPARI_CUDA_MS_AUTO_DWELL_MS", v);
  if ((v = get("NAPARI_CUDA_MS_AUTO_COOLDOWN_MS")) !== undefined) {
    cfg.cooldownMs = msIn("NAPARI_CUDA_MS_AUTO_COOLDOWN_MS", v);
  }
  if ((v = get("NAPARI_CUDA_MS_AUTO_DEBUG")) !== undefined) cfg.debug = flag("NAPARI_CUDA_MS_AUTO_DEBUG", v);
  if ((v = get("NAPARI_CUDA_MS_AUTO_3D")) !== undefined) cfg.auto3d = flag("NAPARI_CUDA_MS_AUTO_3D", v);
  return cfg;
}
