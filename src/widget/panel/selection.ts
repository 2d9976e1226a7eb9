/**
 * Which layer the panel's controls edit: the view's shared selection (ViewContext.selectedLayer,
 * also followed by the status bar and the V shortcut), this view's UI state, not synced to the kernel.
 */
import type { ViewContext } from "../parts/part.js";

export class LayerSelection {
  private readonly off: () => void;

  constructor(
    private readonly ctx: ViewContext,
    onChange: () => void,
  ) {
    this.off = ctx.on("selection", onChange);
  }

  get(): string | null {
    return this.ctx.selectedLayer();
  }

  set(id: string | null): void {
    if (id !== this.get()) this.ctx.selectLayer(id);
  }

  dispose(): void {
    this.off();
  }
}
