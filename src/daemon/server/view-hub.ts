/** Which stream sessions (views) watch which viewer, so data changes reach every view of a viewer. */

/** What the hub needs from a stream session. */
export interface ViewHandle {
  readonly viewerId: string;
  /** Layer data of the viewer changed: send meta and render again. */
  dataChanged(): void;
}

export class ViewHub {
  private readonly views = new Set<ViewHandle>();

  add(view: ViewHandle): void {
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
