/**
 * A view's side of the daemon's `sync` (another view of the same viewer moved the camera or dims):
 * the local state takes them under a new seq, which the caller sends to the daemon like any state
 * (not as an input: no motion-to-photon sample) and without a model write (the moving view writes
 * the model). The kernel's echoes of the
 * moving view's throttled writes arrive later and are older than what the daemon sent: while syncs
 * come (another view moves), a model value other than the latest synced one is stale, so the view
 * neither jumps back nor sends it on. (Not only values synced before: a written camera whose state
 * the mover's sender coalesced away never reached the daemon, but its echo comes all the same.)
 */
import type { Camera, Dims } from "../../protocol/state.js";
import type { StreamSync } from "../../protocol/stream.js";
import { cameraEqual } from "../state/traits.js";
import type { DimsTrait } from "../state/traits.js";
import type { LocalViewerState } from "../state/state-sync.js";

/** Model values are stale this long after the latest sync (ms): the second page's echo took up to 1.6 s. */
export const SYNC_ECHO_MS = 3000;

function sameWireDims(a: Dims, b: Dims): boolean {
  return (
    a.ndisplay === b.ndisplay &&
    JSON.stringify(a.current_step) === JSON.stringify(b.current_step) &&
    JSON.stringify(a.axis_labels) === JSON.stringify(b.axis_labels)
  );
}

/** The latest value received from the daemon, to tell stale model values from new ones. */
class Synced<T> {
  last: { value: T; at: number } | null = null;

  constructor(private readonly equal: (a: T, b: T) => boolean) {}

  note(value: T, now: number): void {
    this.last = { value, at: now };
  }

  /** Within SYNC_ECHO_MS of the latest sync, is `value` not its value? */
  stale(value: T, now: number): boolean {
    const last = this.last;
    return last !== null && now - last.at <= SYNC_ECHO_MS && !this.equal(last.value, value);
  }
}

export class ViewSync {
  private readonly cameras = new Synced<Camera>((a, b) => cameraEqual(a, b));
  private readonly dims = new Synced<Dims>(sameWireDims);

  /**
   * The seq the last adopted sync produced, and the newest seq of this view's own (not a sync's)
   * that the daemon had when it sent the first of the syncs adopted since.
   */
  private adopted: { seq: number; base: number } | null = null;

  constructor(private readonly state: LocalViewerState) {}

  /**
   * Take a sync into the local state: the new seq to send, or null when nothing changed or the view
   * sent a newer state of its own than the one the daemon synced (a model write of the same page can
   * overtake the sync; the daemon settles that state and syncs again on the next move). States sent
   * only to take earlier syncs do not count: a drag fans out several moves before the daemon has the
   * view's answer to the first, and dropping the last of them left the view one move behind until the
   * kernel's echo (50-100 ms later in the multi-view e2e test).
   */
  adopt(msg: StreamSync, now: number): number | null {
    const state = this.state;
    // Noted even when not adopted: the model's echo of these values is stale all the same.
    this.cameras.note(msg.camera, now);
    this.dims.note(msg.dims, now);
    const a = this.adopted;
    let base: number;
    if (msg.seq === state.seq) base = msg.seq;
    else if (a !== null && state.seq === a.seq && msg.seq >= a.base) base = a.base;
    else return null;
    let seq: number | null = null;
    if (!cameraEqual(state.camera, msg.camera)) seq = state.setCamera(msg.camera);
    const local: DimsTrait = state.dims;
    if (!sameWireDims(local, msg.dims)) {
      seq = state.setDims({ ...local, ndisplay: msg.dims.ndisplay, current_step: [...msg.dims.current_step] });
    }
    if (seq !== null) this.adopted = { seq, base };
    return seq;
  }

  /** A model camera other than the latest synced one while syncs come (the kernel's late echo): ignore it. */
  staleCamera(camera: Camera, now: number): boolean {
    return this.cameras.stale(camera, now);
  }

  /**
   * Model dims other than the latest synced ones while syncs come: ignore them. Not when the axes
   * differ (the kernel added or removed a layer's axes: a change, not an echo).
   */
  staleDims(dims: Dims, now: number): boolean {
    const last = this.dims.last?.value;
    const sameAxes =
      last !== undefined &&
      last.current_step.length === dims.current_step.length &&
      JSON.stringify(last.axis_labels) === JSON.stringify(dims.axis_labels);
    return sameAxes && this.dims.stale(dims, now);
  }
}
