/**
 * A view's handling of the daemon's meta messages: keeps the latest one (HUD level, test hook),
 * drives the loading badge, and writes `layer_levels` to the model when a level changed.
 */
import type { StreamMeta } from "../../protocol/stream.js";
import type { LoadingBadge } from "../hud/loading-badge.js";
import { LayerLevelsTracker, loadingText, type LayerLevels } from "./meta.js";

export class MetaView {
  /** The latest meta of the current connection, or null. */
  latest: StreamMeta | null = null;
  private readonly levels = new LayerLevelsTracker();
  private badge: LoadingBadge | null = null;

  constructor(private readonly writeLevels: (levels: LayerLevels) => void) {}

  /** Show loading progress in `badge` from now on. */
  attach(badge: LoadingBadge): void {
    this.badge = badge;
    badge.set(loadingText(this.latest));
  }

  /** A meta message arrived. */
  update(meta: StreamMeta): void {
    this.latest = meta;
    this.badge?.set(loadingText(meta));
    const levels = this.levels.next(meta);
    if (levels !== null) this.writeLevels(levels);
  }

  /** The connection closed: nothing is loading for this view any more (as far as it can tell). */
  clear(): void {
    this.latest = null;
    this.badge?.set("");
  }

  dispose(): void {
    this.badge?.dispose();
    this.badge = null;
  }
}
