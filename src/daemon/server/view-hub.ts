/**
 * Which viewers the kernel created and which stream sessions (views) watch them: data changes reach
 * every view of a viewer, a view may only watch a viewer the kernel created (over /control), closing a
 * viewer closes its views, and the daemon serves at most `maxViews` views.
 */
import { NapariCudaError } from "../../protocol/index.js";
import { ViewerShare, type SharedFields } from "./view-share.js";

/** What the hub needs from a stream session. */
export interface ViewHandle {
  readonly viewerId: string;
  /** The view takes the other views' moves, and passes its own on (its hello said `sync`). */
  readonly follows: boolean;
  /** Layer data of the viewer changed: send meta and render again. */
  dataChanged(): void;
  /** The kernel closed the viewer: tell the view and close it. Never throws. */
  viewerClosed(): void;
  /** Another view of the viewer moved the camera or dims: tell the client (it answers with a state). */
  adoptShared(fields: SharedFields): void;
}

export class ViewHub {
  private readonly views = new Set<ViewHandle>();
  private readonly viewers = new Set<string>();
  /** The camera and dims each viewer's views share (created with the viewer's first moved view). */
  private readonly shares = new Map<string, ViewerShare>();
  /** The pending retry of held moves, per viewer. */
  private readonly retries = new Map<string, ReturnType<typeof setTimeout>>();

  /** The kernel created (or filled) `viewerId` over /control: views may watch it. */
  openViewer(viewerId: string): void {
    this.viewers.add(viewerId);
  }

  /** Did the kernel create `viewerId` (and not close it since)? */
  hasViewer(viewerId: string): boolean {
    return this.viewers.has(viewerId);
  }

  /** The kernel closed `viewerId`: forget it and close every view of it. */
  closeViewer(viewerId: string): void {
    this.viewers.delete(viewerId);
    this.shares.delete(viewerId);
    clearTimeout(this.retries.get(viewerId));
    this.retries.delete(viewerId);
    for (const v of [...this.views]) {
      if (v.viewerId !== viewerId) continue;
      this.views.delete(v);
      try {
        v.viewerClosed();
      } catch {
        // a view that cannot be told is closing anyway
      }
    }
  }

  /**
   * Register a view that said hello. Throws unknown_viewer when the kernel did not create its viewer,
   * too_many_views (close 1013) when `maxViews` (NAPARI_CUDA_MAX_VIEWS) views are connected already.
   */
  add(view: ViewHandle, maxViews: number): void {
    if (!this.viewers.has(view.viewerId)) {
      throw new NapariCudaError("unknown_viewer", `no viewer ${view.viewerId}: the kernel has not created it`, {
        path: "viewer_id",
      });
    }
    if (this.views.size >= maxViews) {
      throw new NapariCudaError(
        "too_many_views",
        `the daemon serves its most views (${maxViews}, NAPARI_CUDA_MAX_VIEWS); close another view or try again later`,
      );
    }
    this.views.add(view);
  }

  delete(view: ViewHandle): void {
    this.views.delete(view);
    // A closed view's lease would hold the others' moves back for nothing.
    this.shares.get(view.viewerId)?.release(view);
  }

  /** Number of connected views (all viewers). */
  get size(): number {
    return this.views.size;
  }

  /**
   * A following view's client changed shared fields (camera, dims): its own new moves (not the
   * kernel's late echo of another view's, nor a move while another view holds the field:
   * view-share.ts) go to every other following view of the same viewer at once. A failing view
   * never affects the others.
   */
  share(view: ViewHandle, changed: SharedFields, now = performance.now()): void {
    if (!view.follows || (changed.camera === undefined && changed.dims === undefined)) return;
    let share = this.shares.get(view.viewerId);
    if (share === undefined) {
      share = new ViewerShare();
      this.shares.set(view.viewerId, share);
    }
    const moved = share.offer(view, changed, now);
    this.scheduleRetry(view.viewerId, share);
    if (moved.camera === undefined && moved.dims === undefined) return;
    this.fanOut(view, moved);
  }

  private fanOut(from: ViewHandle, moved: SharedFields): void {
    for (const v of this.views) {
      if (v === from || v.viewerId !== from.viewerId || !v.follows) continue;
      try {
        v.adoptShared(moved);
      } catch {
        // a view that cannot take the update is closing anyway
      }
    }
  }

  /** A move held back by a lease goes out when the lease ends (view-share.ts). */
  private scheduleRetry(viewerId: string, share: ViewerShare): void {
    const at = share.heldUntil();
    if (at === null || this.retries.has(viewerId)) return;
    const timer = setTimeout(
      () => {
        this.retries.delete(viewerId);
        if (this.shares.get(viewerId) !== share) return; // the viewer closed meanwhile
        for (const { view, moved } of share.retryHeld(performance.now())) {
          if (this.views.has(view as ViewHandle)) this.fanOut(view as ViewHandle, moved);
        }
        this.scheduleRetry(viewerId, share);
      },
      Math.max(0, at - performance.now()) + 1,
    );
    timer.unref?.();
    this.retries.set(viewerId, timer);
  }

  /** Tell every view of `viewerId` that its data changed. A failing view never affects the others. */
  notifyDataChanged(viewerId: string): void {
    for (const v of this.views) {
      if (v.viewerId !== viewerId) continue;
      try {
        v.dataChanged();
      } catch {
        // a view that cannot take the update is closing anyway
      }
    }
  }
}
