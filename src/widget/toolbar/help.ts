/** The shortcuts list the toolbar's "Keys" button opens over the canvas's top-right corner. */
import type { ViewContext } from "../parts/part.js";
import { LAYER_SHORTCUTS } from "../keys/layer-keys.js";
import { SHORTCUTS } from "../keys/shortcuts.js";

export class ShortcutsHelp {
  private readonly el: HTMLDivElement;

  constructor(
    ctx: ViewContext,
    private readonly button: HTMLButtonElement,
  ) {
    const doc = ctx.doc;
    this.el = doc.createElement("div");
    this.el.className = "napari-cuda-shortcuts";
    this.el.id = `napari-cuda-shortcuts-${Math.random().toString(36).slice(2)}`;
    Object.assign(this.el.style, {
      position: "absolute",
      top: "4px",
      right: "4px",
      display: "none",
      gridTemplateColumns: "auto auto",
      columnGap: "10px",
      rowGap: "2px",
      padding: "6px 9px",
      borderRadius: "4px",
      background: "rgba(0, 0, 0, 0.75)",
      color: "#f0f0f0",
      font: "12px/1.4 var(--jp-ui-font-family, system-ui, sans-serif)",
      pointerEvents: "auto",
      zIndex: "2",
    } satisfies Partial<CSSStyleDeclaration>);
    const title = doc.createElement("div");
    title.textContent = "Shortcuts (when the viewer has focus)";
    Object.assign(title.style, { gridColumn: "1 / span 2", fontWeight: "600", marginBottom: "2px" });
    this.el.append(title);
    for (const s of [...SHORTCUTS, ...LAYER_SHORTCUTS]) {
      const keys = doc.createElement("kbd");
      keys.textContent = s.keys;
      Object.assign(keys.style, { font: "inherit", fontWeight: "600", whiteSpace: "nowrap" });
      const does = doc.createElement("span");
      does.textContent = s.does;
      this.el.append(keys, does);
    }
    ctx.slots.overlay.append(this.el);
    button.setAttribute("aria-controls", this.el.id);
    button.setAttribute("aria-expanded", "false");
  }

  toggle(): void {
    const open = this.el.style.display === "none";
    this.el.style.display = open ? "grid" : "none";
    this.button.setAttribute("aria-expanded", String(open));
  }

  dispose(): void {
    this.el.remove();
  }
}
