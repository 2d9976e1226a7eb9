/**
 * The point under the cursor of a points layer (napari's status `Points [y x]: 3`). The view does
 * not hold the points (the table may be millions of rows; the kernel and the daemon have it), so it
 * asks the kernel (kernel-bridge napari_cuda/_hover.py), at most HOVER_MIN_INTERVAL_MS apart (the
 * kernel answers on its shell, between the user's cells), and turns the answer into a pick answer
 * for the status bar: the index, or no value (null) when no point is there.
 */
import type { StreamValue } from "../../protocol/stream.js";
import { realTimers, type Timers } from "../util/timers.js";
import type { PickQuery } from "./pick-scheduler.js";

/** At most ~10 questions a second (the kernel's shell also runs the user's code). */
export const HOVER_MIN_INTERVAL_MS = 100;
/** A question unanswered this long (the kernel is busy with a cell) counts as no answer. */
export const HOVER_TIMEOUT_MS = 2000;

export interface HoverMessage {
  type: "hover";
  id: string;
  layer_id: string;
  step: number[];
  position: [number, number];
  [key: string]: unknown;
}

/** The question for world position `position` (one coordinate per viewer axis) at `step`. */
export function hoverMessage(id: string, q: PickQuery, step: readonly number[]): HoverMessage {
  const n = q.position.length;
  return {
    type: "hover",
    id,
    layer_id: q.layerId,
    step: [...step],
    position: [q.position[n - 2]!, q.position[n - 1]!],
  };
}

/** A `hover_done` answer: the question's id and the point's index (null: none). */
export function parseHoverDone(content: Record<string, unknown>): { id: string; index: number | null } | null {
  if (content["type"] !== "hover_done" || typeof content["id"] !== "string") return null;
  const index = content["index"];
  return { id: content["id"], index: typeof index === "number" && Number.isInteger(index) ? index : null };
}

/** The answer as the status bar's pick answers are shaped (a points layer has no levels). */
export function hoverValue(layerId: string, index: number | null): StreamValue {
  return {
    type: "value",
    id: 0,
    layer_id: layerId,
    status: "ok",
    value: index,
    level: 0,
    level_count: 1,
    data_position: [],
  };
}

export interface HoverDeps {
  send(msg: HoverMessage): void;
  /** The view's dims.current_step now. */
  step(): readonly number[];
  /** Subscribe to the kernel's custom messages; returns the unsubscribe. */
  onKernel(fn: (content: Record<string, unknown>) => void): () => void;
}

/** Questions in flight, by id; answers of other views (the kernel answers every view) are ignored. */
export class PointHover {
  private readonly prefix = `h${Math.random().toString(36).slice(2, 10)}`;
  private next = 1;
  private readonly waiting = new Map<string, { layerId: string; done: (v: StreamValue | null) => void }>();
  private readonly off: () => void;

  constructor(
    private readonly deps: HoverDeps,
    private readonly timers: Timers = realTimers,
  ) {
    this.off = deps.onKernel((content) => {
      const done = parseHoverDone(content);
      const w = done === null ? undefined : this.waiting.get(done.id);
      if (done === null || w === undefined) return;
      this.waiting.delete(done.id);
      w.done(hoverValue(w.layerId, done.index));
    });
  }

  /** Ask which point of `q.layerId` is at `q.position`; resolves null when no answer comes in time. */
  ask(q: PickQuery): Promise<StreamValue | null> {
    const id = `${this.prefix}-${this.next++}`;
    return new Promise((resolve) => {
      const timer = this.timers.setTimeout(() => {
        if (this.waiting.delete(id)) resolve(null);
      }, HOVER_TIMEOUT_MS);
      this.waiting.set(id, {
        layerId: q.layerId,
        done: (v) => {
          this.timers.clearTimeout(timer);
          resolve(v);
        },
      });
      this.deps.send(hoverMessage(id, q, this.deps.step()));
    });
  }

  dispose(): void {
    this.off();
    for (const w of this.waiting.values()) w.done(null);
    this.waiting.clear();
  }
}
