/**
 * napari's dims animation, framework-free: step one axis forward at `fps` frames per second,
 * looping back to 0 after the last step (napari's default loop mode). Each step goes through the
 * caller's move(), the same path as a slider drag; stop() ends with release() so the kernel gets
 * the last position at once. Timers are injectable for tests.
 */
import { realTimers, type Timers } from "../util/timers.js";

export const DEFAULT_FPS = 10;
export const MAX_FPS = 60;

/** A frame rate from user input: a finite number clamped to [0.1, MAX_FPS], else the default. */
export function clampFps(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return DEFAULT_FPS;
  return Math.min(MAX_FPS, Math.max(0.1, value));
}

/** The step after `value` on an axis of `size` steps, looping. */
export function nextStep(value: number, size: number): number {
  return size <= 1 ? 0 : (Math.round(value) + 1) % size;
}

export interface PlayerHost {
  /** The played axis's current step and size, or null when it no longer has a slider. */
  current(axis: number): { value: number; size: number } | null;
  move(axis: number, value: number, inputTime: number): void;
  release(): void;
  /** The played axis changed (null: stopped), for the play buttons' state. */
  changed(axis: number | null): void;
}

export class AxisPlayer {
  private playing: number | null = null;
  private timer: unknown = null;
  private fps = DEFAULT_FPS;

  constructor(
    private readonly host: PlayerHost,
    private readonly timers: Timers = realTimers,
  ) {}

  /** The axis being played, or null. */
  get axis(): number | null {
    return this.playing;
  }

  /** Play `axis` (stopping any other) at `fps`. */
  play(axis: number, fps: number): void {
    this.stop();
    if (this.host.current(axis) === null) return;
    this.playing = axis;
    this.fps = clampFps(fps);
    this.host.changed(axis);
    this.schedule();
  }

  /** A new rate for the running animation, from the next frame on. */
  setFps(fps: number): void {
    this.fps = clampFps(fps);
  }

  /** Stop (no-op when not playing); the last position is written at once. */
  stop(): void {
    if (this.playing === null) return;
    this.playing = null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.host.release();
    this.host.changed(null);
  }

  private schedule(): void {
    this.timer = this.timers.setTimeout(() => this.tick(), 1000 / this.fps);
  }

  private tick(): void {
    this.timer = null;
    const axis = this.playing;
    if (axis === null) return;
    const cur = this.host.current(axis);
    if (cur === null) {
      this.stop();
      return;
    }
    this.host.move(axis, nextStep(cur.value, cur.size), this.timers.now());
    this.schedule();
  }
}
