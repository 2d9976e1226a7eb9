/**
 * The selected layer's mode buttons (napari's layer-controls button row): points add / select /
 * pan-zoom, labels erase / paint / fill / pan-zoom, one pressed. Shown only for a layer that has
 * modes. Used in the toolbar row and in the layer panel. Stable hooks for tests:
 * `.napari-cuda-mode-bar` (data-layer, data-mode) and `button[data-mode]`.
 */
import { MODE_TEXT, layerMode, modesOf, type AnnotatedLayer, type Mode } from "../annotate/modes.js";
import { setPressed } from "./buttons.js";

const BUTTON_STYLE: Partial<CSSStyleDeclaration> = {
  height: "22px",
  padding: "0 6px",
  border: "1px solid var(--jp-border-color1, #bbb)",
  borderRadius: "3px",
  color: "var(--jp-ui-font-color1, #222)",
  font: "12px var(--jp-ui-font-family, system-ui, sans-serif)",
  cursor: "pointer",
  whiteSpace: "nowrap",
};

export class ModeBar {
  readonly el: HTMLSpanElement;
  private shown = "";

  constructor(
    private readonly doc: Document,
    private readonly pick: (mode: Mode) => void,
  ) {
    this.el = doc.createElement("span");
    this.el.className = "napari-cuda-mode-bar";
    this.el.setAttribute("role", "group");
    this.el.setAttribute("aria-label", "layer mode");
    // Wraps in the narrow layer panel; one row in the toolbar.
    Object.assign(this.el.style, { display: "none", gap: "2px", alignItems: "center", flexWrap: "wrap" });
  }

  /** Show `layer`'s modes with its mode pressed (hidden for a layer without modes, or in 3D). */
  set(layer: AnnotatedLayer | null, ndisplay: number): void {
    const modes = modesOf(layer);
    const mode = layerMode(layer);
    const key = `${layer?.id ?? ""}|${modes.join()}|${mode}|${ndisplay}`;
    if (key === this.shown) return;
    this.shown = key;
    this.el.style.display = modes.length === 0 || ndisplay !== 2 ? "none" : "inline-flex";
    this.el.dataset["layer"] = layer?.id ?? "";
    this.el.dataset["mode"] = mode;
    this.el.replaceChildren(
      ...modes.map((m) => {
        const b = this.doc.createElement("button");
        b.type = "button";
        b.dataset["mode"] = m;
        b.textContent = MODE_TEXT[m].text;
        b.title = MODE_TEXT[m].title;
        b.setAttribute("aria-label", `${MODE_TEXT[m].text} mode`);
        Object.assign(b.style, BUTTON_STYLE);
        setPressed(b, m === mode);
        b.addEventListener("click", () => this.pick(m));
        return b;
      }),
    );
  }
}
