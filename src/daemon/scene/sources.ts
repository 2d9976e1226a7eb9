/**
 * Open dataset sources, shared by uri: the channels of one image (channel_axis) and
 * viewers showing the same file use one source and one set of cached chunks. A source
 * is disposed when its last layer goes.
 */
import type { ImageSource } from "../data/source.js";

export type SourceOpener = (uri: string) => Promise<ImageSource>;

export class SourceRegistry {
  private readonly open = new Map<string, { source: Promise<ImageSource>; refs: number }>();

  /** `onDisposed` runs after a source is disposed (the chunk store drops its cached chunks). */
  constructor(
    private readonly opener: SourceOpener,
    private readonly onDisposed: (source: ImageSource) => void = () => undefined,
  ) {}

  /** The source for `uri`, opened on first use; every call must be paired with release(). */
  async acquire(uri: string): Promise<ImageSource> {
    let slot = this.open.get(uri);
    if (!slot) {
      slot = { source: this.opener(uri), refs: 0 };
      this.open.set(uri, slot);
    }
    slot.refs++;
    try {
      return await slot.source;
    } catch (err) {
      // A failed open is not cached: the next try (a file written since) opens again.
      if (--slot.refs === 0 && this.open.get(uri) === slot) this.open.delete(uri);
      throw err;
    }
  }

  /** Drop one reference; the last one disposes the source. Never throws. */
  release(uri: string): void {
    const slot = this.open.get(uri);
    if (!slot || --slot.refs > 0) return;
    this.open.delete(uri);
    void slot.source
      .then(async (s) => {
        await s.dispose();
        this.onDisposed(s);
      })
      .catch(() => undefined);
  }

  /** Number of distinct open sources. */
  get size(): number {
    return this.open.size;
  }

  /** Dispose every source. Never throws. */
  async dispose(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(all.map((s) => s.source.then((src) => src.dispose())));
  }
}
