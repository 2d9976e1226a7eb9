/**
 * The viewer's buttons (`.napari-cuda-toolbar-row` in the toolbar slot): 2D/3D, reset view,
 * screenshot (a PNG the browser downloads), the debug overlay toggle, the shortcuts list, the
 * selected layer's mode buttons (points, labels: mode-bar.ts), and a small backend badge at the end. Every button has a text label, a tooltip and an aria-label.
 */
import { DebugOverlay } from "../hud/debug-overlay.js";
import { shortcutsText } from "../keys/shortcuts.js";
import type { ViewContext, ViewPart } from "../parts/part.js";
import { resetView, toggleNdisplay } from "./actions.js";
import { backendBadge } from "./backend-badge.js";
import { relabel, setPressed, toolButton } from "./buttons.js";
import { ModeBar } from "./mode-bar.js";
import type { AnnotatedLayer } from "../annotate/modes.js";
import { ShortcutsHelp } from "./help.js";
import { downloadPng, ScreenshotRequests, screenshotName, type ScreenshotResult } from "./screenshot.js";

/** How long a failed screenshot's message stays (ms). */
const MESSAGE_MS = 6000;

class Toolbar implements ViewPart {
  private readonly row: HTMLDivElement;
  private readonly ndisplay: HTMLButtonElement;
  private readonly shot: HTMLButtonElement;
  private readonly debugButton: HTMLButtonElement;
  private readonly message: HTMLSpanElement;
  private readonly badge: HTMLSpanElement;
  private readonly modes: ModeBar;
  private readonly debug: DebugOverlay;
  private readonly help: ShortcutsHelp;
  private readonly requests: ScreenshotRequests;
  private readonly off: Array<() => void> = [];
  private messageTimer: ReturnType<typeof setTimeout> | null = null;
  private shownNdisplay = 0;

  constructor(private readonly ctx: ViewContext) {
    const doc = ctx.doc;
    this.row = doc.createElement("div");
    this.row.className = "napari-cuda-toolbar-row";
    this.row.setAttribute("role", "toolbar");
    this.row.setAttribute("aria-label", "Viewer");
    Object.assign(this.row.style, {
      display: "flex",
      flexWrap: "wrap",
      alignItems: "center",
      gap: "4px",
      padding: "0 0 4px",
      lineHeight: "normal",
    } satisfies Partial<CSSStyleDeclaration>);

    this.ndisplay = toolButton(doc, "square", "2D", "");
    this.ndisplay.classList.add("napari-cuda-ndisplay");
    this.ndisplay.addEventListener("click", () => toggleNdisplay(ctx));

    const reset = toolButton(doc, "fit", "Reset view", "Reset the view: fit all layers (Ctrl+R, or double-click)");
    reset.classList.add("napari-cuda-reset");
    reset.addEventListener("click", () => resetView(ctx));

    this.shot = toolButton(doc, "camera", "Screenshot", "Save a screenshot of the view as a PNG file");
    this.shot.classList.add("napari-cuda-screenshot");
    this.shot.addEventListener("click", () => this.screenshot());
    this.requests = new ScreenshotRequests(
      (msg) => ctx.sendToKernel(msg),
      (result) => this.screenshotDone(result),
    );

    this.debugButton = toolButton(
      doc,
      "stats",
      "Stats",
      "Show frame rate, latency, renderer and encoder over the canvas (viewer.debug_overlay = True: in every view)",
    );
    this.debugButton.classList.add("napari-cuda-debug-toggle");
    this.debugButton.addEventListener("click", () => this.debug.toggle());

    const helpButton = toolButton(
      doc,
      "keyboard",
      "Keys",
      `Keyboard shortcuts (click the viewer first):\n${shortcutsText()}`,
    );
    helpButton.classList.add("napari-cuda-help");
    this.help = new ShortcutsHelp(ctx, helpButton);
    helpButton.addEventListener("click", () => this.help.toggle());

    const spacer = doc.createElement("span");
    spacer.style.flex = "1 1 auto";
    this.message = doc.createElement("span");
    this.message.className = "napari-cuda-toolbar-message";
    this.message.setAttribute("role", "status");
    Object.assign(this.message.style, { font: "12px var(--jp-ui-font-family, system-ui, sans-serif)" });
    this.badge = doc.createElement("span");
    this.badge.className = "napari-cuda-backend";
    Object.assign(this.badge.style, {
      display: "none",
      padding: "1px 5px",
      border: "1px solid var(--jp-border-color2, #ccc)",
      borderRadius: "3px",
      color: "var(--jp-ui-font-color2, #666)",
      font: "10px/1.4 var(--jp-ui-font-family, system-ui, sans-serif)",
      letterSpacing: "0.04em",
      cursor: "default",
    } satisfies Partial<CSSStyleDeclaration>);

    this.modes = new ModeBar(doc, (mode) => {
      const id = ctx.selectedLayer();
      if (id !== null) ctx.setLayer(id, { mode } as Partial<AnnotatedLayer>);
    });
    this.row.append(
      this.ndisplay,
      reset,
      this.shot,
      this.debugButton,
      helpButton,
      this.modes.el,
      spacer,
      this.message,
      this.badge,
    );
    ctx.slots.toolbar.append(this.row);
    this.debug = new DebugOverlay(ctx, (shown) => setPressed(this.debugButton, shown));

    this.off.push(
      ctx.on("state", () => this.syncNdisplay()),
      ctx.on("state", () => this.syncModes()),
      ctx.on("selection", () => this.syncModes()),
      ctx.on("config", () => this.syncBadge()),
      ctx.on("kernel", ({ content, buffers }) => this.requests.reply(content, buffers)),
    );
    this.syncNdisplay();
    this.syncModes();
    this.syncBadge();
  }

  private syncModes(): void {
    const id = this.ctx.selectedLayer();
    const layer = this.ctx.layers().find((l) => l.id === id) ?? null;
    this.modes.set(layer, this.ctx.dims().ndisplay);
  }

  dispose(): void {
    for (const step of [
      ...this.off.splice(0),
      () => this.requests.dispose(),
      () => this.debug.dispose(),
      () => this.help.dispose(),
      () => this.messageTimer !== null && clearTimeout(this.messageTimer),
      () => this.row.remove(),
    ]) {
      try {
        step();
      } catch {
        // dispose() never throws; the remaining steps still run.
      }
    }
  }

  private syncNdisplay(): void {
    const nd = this.ctx.dims().ndisplay;
    if (nd === this.shownNdisplay) return;
    this.shownNdisplay = nd;
    const other = nd === 3 ? "2D" : "3D";
    relabel(this.ndisplay, nd === 3 ? "cube" : "square", `${nd}D`, `Showing ${nd}D: switch to ${other} (Ctrl+Y)`);
    setPressed(this.ndisplay, nd === 3);
  }

  private syncBadge(): void {
    const b = backendBadge(this.ctx.config());
    if (b === null) return; // keep the last one across reconnects
    this.badge.textContent = b.text;
    this.badge.title = b.title;
    this.badge.setAttribute("aria-label", b.title);
    this.badge.style.display = "";
  }

  private screenshot(): void {
    if (!this.requests.request()) return;
    this.shot.disabled = true;
    this.shot.setAttribute("aria-busy", "true");
    this.say("");
  }

  private screenshotDone(result: ScreenshotResult): void {
    this.shot.disabled = false;
    this.shot.removeAttribute("aria-busy");
    if (result.ok) downloadPng(this.ctx.doc, result.png, screenshotName(new Date()));
    else this.say(`Screenshot failed: ${result.error}`);
  }

  /** A short message at the toolbar's end that goes away by itself. */
  private say(text: string): void {
    this.message.textContent = text;
    this.message.title = text;
    this.message.style.color = "var(--jp-error-color1, #c62828)";
    if (this.messageTimer !== null) clearTimeout(this.messageTimer);
    this.messageTimer = text === "" ? null : setTimeout(() => this.say(""), MESSAGE_MS);
  }
}

/** The toolbar part (see the module comment). */
export function toolbarPart(ctx: ViewContext): ViewPart {
  return new Toolbar(ctx);
}
