/**
 * A short text note centred over the canvas that hides itself after a while: the shortcut hints
 * (keys/) and refused edits (annotate/). The element lives in the view's overlay slot.
 */

/** Where the note sits and how it looks. */
export interface CanvasNoteStyle {
  className: string;
  /** "top" or "bottom" edge of the canvas. */
  edge: "top" | "bottom";
  background: string;
  color: string;
  /** How long a note stays (ms). */
  ms: number;
}

export class CanvasNote {
  readonly el: HTMLDivElement;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    doc: Document,
    private readonly style: CanvasNoteStyle,
  ) {
    this.el = doc.createElement("div");
    this.el.className = style.className;
    Object.assign(this.el.style, {
      position: "absolute",
      [style.edge]: "6px",
      left: "50%",
      transform: "translateX(-50%)",
      maxWidth: "80%",
      padding: "2px 8px",
      borderRadius: "3px",
      background: style.background,
      color: style.color,
      font: "12px/1.4 var(--jp-ui-font-family, system-ui, sans-serif)",
      display: "none",
    } satisfies Partial<CSSStyleDeclaration>);
  }

  /** Show `text` (replacing any note shown) for the style's time. */
  show(text: string): void {
    this.el.textContent = text;
    this.el.style.display = "";
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.el.style.display = "none";
      this.timer = null;
    }, this.style.ms);
  }

  /** Remove the element and its timer; never throws. */
  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.el.remove();
  }
}
