/**
 * Level choosers for the scene resolver: `StillChooser` (screenshots: napari's rule, no
 * hysteresis) and `LiveChooser` (a view: one hysteresis policy per layer, decisions kept
 * for the session to act on: keyframe + meta on a switch, a re-render when a dwell expires).
 */
import type { Canvas, LayerState, ViewerState } from "../../protocol/index.js";
import {
  estimateLevel,
  formatDecision,
  LevelPolicy,
  stillLevel,
  type LevelDecision,
  type LevelInput,
  type MsAutoConfig,
} from "../multiscale/index.js";
import type { LayerEntry } from "./layer-entry.js";
import type { LevelChooser } from "./resolve.js";

function input(entry: LayerEntry, layer: LayerState, state: ViewerState, canvas: Canvas): LevelInput {
  return { camera: state.camera, canvas, ndisplay: state.dims.ndisplay, layer, levels: entry.levels };
}

/** napari's rule with no hysteresis (locked level wins). */
export class StillChooser implements LevelChooser {
  constructor(private readonly cfg: MsAutoConfig) {}

  choose(entry: LayerEntry, layer: LayerState, state: ViewerState, canvas: Canvas): number {
    return stillLevel(input(entry, layer, state, canvas), layer.locked_data_level, { auto3d: this.cfg.auto3d });
  }
}

/** Per-view chooser: hysteresis, dwell and cooldown per layer. */
export class LiveChooser implements LevelChooser {
  private readonly policies = new Map<string, { entry: LayerEntry; policy: LevelPolicy }>();
  /** Decisions of the frame being resolved, by layer id (cleared by `take`). */
  private decisions = new Map<string, LevelDecision>();

  constructor(
    private readonly cfg: MsAutoConfig,
    private readonly now: () => number = () => performance.now(),
    private readonly debug?: (line: string) => void,
  ) {}

  choose(entry: LayerEntry, layer: LayerState, state: ViewerState, canvas: Canvas): number {
    let slot = this.policies.get(layer.id);
    if (!slot || slot.entry !== entry) {
      slot = { entry, policy: new LevelPolicy(this.cfg, this.debug) };
      this.policies.set(layer.id, slot);
    }
    const est = estimateLevel(input(entry, layer, state, canvas), { auto3d: this.cfg.auto3d });
    const d = slot.policy.update(this.now(), est, layer.locked_data_level);
    this.decisions.set(layer.id, d);
    return d.level;
  }

  /** The decisions made since the last call, and forget layers no longer present. */
  take(present: ReadonlySet<string>): Map<string, LevelDecision> {
    for (const id of this.policies.keys()) if (!present.has(id)) this.policies.delete(id);
    const out = this.decisions;
    this.decisions = new Map();
    return out;
  }
}

export { formatDecision };
