/**
 * Loading indicator over the canvas's top-right corner (`.napari-cuda-loading`): a small spinner
 * and "loading N" while the daemon has chunks pending for this view; hidden otherwise.
 */

export class LoadingBadge {
  readonly el: HTMLDivElement;
  private readonly textEl: HTMLSpanElement;
  private spin: Animation | null = null;

  constructor(doc: Document) {
    this.el = doc.createElement("div");
    this.el.className = "napari-cuda-loading";
    this.el.setAttribute("role", "status");
    Object.assign(this.el.style, {
      position: "absolute",
      top: "4px",
      right: "4px",
      display: "none",
      alignItems: "center",
      gap: "5px",
      padding: "2px 6px",
      borderRadius: "3px",
      background: "rgba(0, 0, 0, 0.55)",
      color: "#e8e8e8",
      font: "11px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      pointerEvents: "none",
      userSelect: "none",
      zIndex: "1",
    } satisfies Partial<CSSStyleDeclaration>);
    const spinner = doc.createElement("span");
    spinner.className = "napari-cuda-loading-spinner";
    Object.assign(spinner.style, {
      display: "inline-block",
      width: "8px",
      height: "8px",
      border: "2px solid rgba(232, 232, 232, 0.35)",
      borderTopColor: "#e8e8e8",
      borderRadius: "50%",
    } satisfies Partial<CSSStyleDeclaration>);
    this.textEl = doc.createElement("span");
    this.el.append(spinner, this.textEl);
    // The Web Animations API spins it without a stylesheet (the widget ships no CSS file).
    this.spin =
      typeof spinner.animate === "function"
        ? spinner.animate([{ transform: "rotate(0deg)" }, { transform: "rotate(360deg)" }], {
            duration: 800,
            iterations: Infinity,
          })
        : null;
    this.spin?.pause();
  }

  /** Show `text` ("loading N"), or hide the badge when it is empty. */
  set(text: string): void {
    if (this.textEl.textContent !== text) this.textEl.textContent = text;
    const show = text !== "";
    this.el.style.display = show ? "flex" : "none";
    // A hidden spinner would still tick the compositor: pause it.
    if (show) this.spin?.play();
    else this.spin?.pause();
  }

  dispose(): void {
    this.spin?.cancel();
    this.spin = null;
  }
}
