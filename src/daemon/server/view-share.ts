/**
 * The camera and dims that the views of one viewer share. A view's new camera (or dims) is fanned
 * out by the hub to the viewer's other views at once, instead of reaching them through the kernel
 * (throttled model writes, then each browser's echo). Those late echoes still arrive, and a view
 * sends them on as its own state: they must not move the others back. A new value counts as the
 * view's own move, except while another view moves (its lease): a view of the same page may pass
 * the mover's model write on before the mover's own state reaches the daemon, and two people
 * dragging at once must not fight. A view is always rendered with the state it sent (the widget
 * warps each frame from the camera of its seq): this only decides what goes to the others.
 * A move held back by a lease is not dropped: when the lease ends, the last one held (if no newer
 * move went out meanwhile and it is not an echo) becomes the viewer's value, so a short drag in
 * another view during a lease (e.g. one a kernel echo took) reaches the others then, not at the
 * widgets' recheck seconds later.
 */
import type { Camera, Dims } from "../../protocol/index.js";

/** A value shared this long ago by another view is still recognised as its late echo (ms). */
export const ECHO_HISTORY_MS = 3000;
/** The view that moved a field last keeps it this long after its last move (ms): the others follow. */
export const LEASE_MS = 500;
const MAX_HISTORY = 64;

/** Shared fields of a viewer state; absent: unchanged. */
export interface SharedFields {
  camera?: Camera;
  dims?: Dims;
}

/** Cameras equal up to float noise (relative 1e-9: the kernel's echo goes through Python floats). */
export function sameCamera(a: Camera, b: Camera): boolean {
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  return (
    a.center.length === b.center.length &&
    a.center.every((v, i) => close(v, b.center[i]!)) &&
    close(a.zoom, b.zoom) &&
    a.angles.every((v, i) => close(v, b.angles[i]!))
  );
}

export function sameDims(a: Dims, b: Dims): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface Entry<T> {
  value: T;
  /** The view that shared it (any object identifying it). */
  origin: object;
  at: number;
  /** The view closed: it holds the field no longer. */
  released?: boolean;
}

/** One shared field: its current value, who set it when, and recent earlier values. */
class SharedField<T> {
  private current: Entry<T> | null = null;
  private past: Entry<T>[] = [];
  /** The last move a lease held back. */
  private held: Entry<T> | null = null;

  constructor(private readonly equal: (a: T, b: T) => boolean) {}

  /**
   * `view` changed the field to `value`: is it the view's own move (then it is the viewer's new
   * value and goes to the other views)?
   */
  offer(view: object, value: T, now: number): boolean {
    const cur = this.current;
    if (cur !== null) {
      if (this.equal(cur.value, value)) return false;
      const echo = this.past.some(
        (e) => e.origin !== view && now - e.at < ECHO_HISTORY_MS && this.equal(e.value, value),
      );
      if (echo) return false;
      if (cur.origin !== view && !cur.released && now - cur.at < LEASE_MS) {
        this.held = { value, origin: view, at: now };
        return false;
      }
      this.past.push(cur);
      if (this.past.length > MAX_HISTORY) this.past.shift();
    }
    this.current = { value, origin: view, at: now };
    // A newer move goes to every view, the held one's too: what it held is superseded.
    this.held = null;
    return true;
  }

  /** When the current lease ends, if a move is held back (else null). */
  heldUntil(): number | null {
    return this.held !== null && this.current !== null ? this.current.at + LEASE_MS : null;
  }

  /** The lease is over: the held move, offered again, if it is taken now (with its view). */
  retryHeld(now: number): { view: object; value: T } | null {
    const held = this.held;
    if (held === null || (this.current !== null && now - this.current.at < LEASE_MS)) return null;
    this.held = null;
    return this.offer(held.origin, held.value, now) ? { view: held.origin, value: held.value } : null;
  }

  /** `view` is gone: its lease ends now (its values stay recognisable as echoes). */
  release(view: object): void {
    if (this.current?.origin === view) this.current = { ...this.current, released: true };
    if (this.held?.origin === view) this.held = null;
  }
}

/** The shared fields of one viewer. */
export class ViewerShare {
  private readonly camera = new SharedField<Camera>(sameCamera);
  private readonly dims = new SharedField<Dims>(sameDims);

  /** `view` changed `changed`: the fields that are its own new moves. */
  offer(view: object, changed: SharedFields, now: number): SharedFields {
    const moved: SharedFields = {};
    if (changed.camera !== undefined && this.camera.offer(view, changed.camera, now)) moved.camera = changed.camera;
    if (changed.dims !== undefined && this.dims.offer(view, changed.dims, now)) moved.dims = changed.dims;
    return moved;
  }

  /** When to retry the moves held back by a lease (null: none held). */
  heldUntil(): number | null {
    const times = [this.camera.heldUntil(), this.dims.heldUntil()].filter((t): t is number => t !== null);
    return times.length > 0 ? Math.min(...times) : null;
  }

  /** Leases that ended: the held moves now taken, by the view that made each. */
  retryHeld(now: number): Array<{ view: object; moved: SharedFields }> {
    const out: Array<{ view: object; moved: SharedFields }> = [];
    const camera = this.camera.retryHeld(now);
    if (camera) out.push({ view: camera.view, moved: { camera: camera.value } });
    const dims = this.dims.retryHeld(now);
    if (dims) out.push({ view: dims.view, moved: { dims: dims.value } });
    return out;
  }

  /** `view` closed: it holds no field any more. */
  release(view: object): void {
    this.camera.release(view);
    this.dims.release(view);
  }
}
