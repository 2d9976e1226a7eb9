/**
 * What a pointer gesture means for the selected layer in its mode, as messages for the kernel and
 * shapes for the overlay. Pure: part.ts feeds it world positions (y, x) and sends what it returns.
 *
 *   points add:     press adds a point there (napari adds on press)
 *   points select:  press selects the point under it (shift adds); a drag moves the selection
 *   labels paint / erase: a drag paints discs of brush_size along the stroke (erase: label 0)
 *   labels fill:    press fills the clicked label's region
 */
import type { Vec2 } from "../../protocol/camera.js";
import type { AnnotateOp } from "./messages.js";
import { brushSize, selectedPoints, type AnnotatedLayer, type Mode } from "./modes.js";
import type { Shape } from "./overlay.js";

/** napari's Points defaults for a new point (size 10 data units, white face, dimgray border). */
const NEW_POINT = { diameter: 10, face: "rgb(255, 255, 255)", border: "rgb(105, 105, 105)" };
/** A press that moves less than this (CSS px) is a click, not a drag. */
export const CLICK_PX = 3;

export interface GestureInput {
  layer: AnnotatedLayer;
  mode: Mode;
  step: number[];
  /** The label painted (selected_label; erase paints 0) and its CSS colour (null: transparent). */
  label: number;
  color: string | null;
}

/** What the part does after a pointer event. */
export interface GestureOutput {
  send: AnnotateOp | null;
  /** Shapes that stay until the edit's frame arrives (null: none). */
  pending: Shape[] | null;
}

const NOTHING: GestureOutput = { send: null, pending: null };

/** Mean world size of one data pixel on the displayed plane (overlay sizes; napari sizes are data units). */
export function worldPerData(layer: AnnotatedLayer): number {
  const n = layer.scale.length;
  const sy = Math.abs(layer.scale[n - 2] ?? 1);
  const sx = Math.abs(layer.scale[n - 1] ?? 1);
  return (sy + sx) / 2;
}

/** World (y, x) of the selected points that lie in the shown slice, with their diameters (world). */
export function selectedInSlice(
  layer: AnnotatedLayer,
  step: readonly number[],
): Array<{ world: Vec2; diameter: number }> {
  const sel = selectedPoints(layer);
  const out: Array<{ world: Vec2; diameter: number }> = [];
  sel.coords.forEach((c, i) => {
    const nd = c.length;
    const shift = step.length - nd;
    for (let a = 0; a < nd - 2; a++) if (Math.abs(c[a]! - (step[a + shift] ?? 0)) > 0.5) return;
    const s = (a: number) => layer.scale[a] ?? 1;
    const t = (a: number) => layer.translate[a] ?? 0;
    const world: Vec2 = [c[nd - 2]! * s(nd - 2) + t(nd - 2), c[nd - 1]! * s(nd - 1) + t(nd - 1)];
    out.push({ world, diameter: (sel.sizes[i] ?? 10) * worldPerData(layer) });
  });
  return out;
}

/** One gesture, from press to release. */
export class Gesture {
  private readonly discs: Vec2[] = [];
  private last: Vec2;
  private moved = false;

  constructor(
    private readonly input: GestureInput,
    private readonly start: Vec2,
    private readonly shift: boolean,
  ) {
    this.last = start;
  }

  /** The press. */
  press(): GestureOutput {
    const { mode, step, label, color } = this.input;
    const position: Vec2 = [...this.start];
    if (mode === "add") {
      const marker: Shape = {
        kind: "marker",
        world: position,
        ...NEW_POINT,
        diameter: NEW_POINT.diameter * worldPerData(this.input.layer),
      };
      return { send: { op: "add_point", step, position }, pending: [marker] };
    }
    if (mode === "select") return { send: { op: "select_point", step, position, shift: this.shift }, pending: null };
    if (mode === "fill")
      return { send: { op: "fill", step, position, label }, pending: [{ kind: "fill", world: position, color }] };
    if (mode === "paint" || mode === "erase") this.discs.push(position);
    return NOTHING;
  }

  /** The pointer moved to `world` (`screenPx`: CSS px travelled since the press). */
  move(world: Vec2, screenPx: number): void {
    if (screenPx >= CLICK_PX) this.moved = true;
    const { mode } = this.input;
    if (mode === "paint" || mode === "erase") {
      // A new disc every tenth of a brush: the kernel interpolates between them as napari does.
      const min = (brushSize(this.input.layer) * worldPerData(this.input.layer)) / 10;
      if (Math.hypot(world[0] - this.last[0], world[1] - this.last[1]) >= min) {
        this.discs.push([...world]);
        this.last = world;
      }
    } else {
      this.last = world;
    }
  }

  /** Shapes to draw while the gesture goes on (the stroke so far, the selection being dragged). */
  live(): Shape[] {
    const { mode, layer, step } = this.input;
    if (mode === "paint" || mode === "erase") return [this.stroke()];
    if (mode === "select" && this.moved) return this.movedSelection(layer, step);
    return [];
  }

  /** The release. */
  release(): GestureOutput {
    const { mode, label, step, layer } = this.input;
    if (mode === "paint" || mode === "erase") {
      const positions = this.discs.map((d): [number, number] => [d[0], d[1]]);
      const brush = brushSize(layer);
      return { send: { op: "paint", step, positions, label, brush_size: brush }, pending: [this.stroke()] };
    }
    if (mode === "select" && this.moved) {
      const delta: [number, number] = [this.last[0] - this.start[0], this.last[1] - this.start[1]];
      return { send: { op: "move_selected", delta }, pending: this.movedSelection(layer, step) };
    }
    return NOTHING;
  }

  private stroke(): Shape {
    const radius = (brushSize(this.input.layer) / 2) * worldPerData(this.input.layer);
    const erase = this.input.mode === "erase";
    const alpha = typeof this.input.layer.opacity === "number" ? this.input.layer.opacity : 0.7;
    return { kind: "stroke", discs: this.discs, radius, color: erase ? null : this.input.color, alpha };
  }

  private movedSelection(layer: AnnotatedLayer, step: readonly number[]): Shape[] {
    const dy = this.last[0] - this.start[0];
    const dx = this.last[1] - this.start[1];
    return selectedInSlice(layer, step).flatMap((p): Shape[] => {
      const world: Vec2 = [p.world[0] + dy, p.world[1] + dx];
      return [
        {
          kind: "marker",
          world,
          diameter: p.diameter,
          face: "rgba(255, 255, 255, 0.85)",
          border: "rgb(105, 105, 105)",
        },
        { kind: "highlight", world, diameter: p.diameter },
      ];
    });
  }
}
