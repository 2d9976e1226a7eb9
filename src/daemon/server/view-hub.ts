/**
 * Which viewers the kernel created and which stream sessions (views) watch them: data changes reach
 * every view of a viewer, a view may only watch a viewer the kernel created (over /control), closing a
 * viewer closes its views, and the daemon serves at most `maxViews` views.
 */
import { NapariCudaError } from "../../protocol/index.js";

/** What the hub needs from a stream session. */
export interface ViewHandle {
  readonly viewerId: string;
  /** Layer data of the viewer changed: send meta and render again. */
  dataChanged(): void;
  /** The kernel closed the viewer: tell the view and close it. Never throws. */
  viewerClosed(): void;
}

export class ViewHub {
  private readonly views = new Set<ViewHandle>();
  private readonly viewers = new Set<string>();

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
  }

  /** Number of connected views (all viewers). */
  get size(): number {
    return this.views.size;
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
