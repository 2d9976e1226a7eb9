/** Heads-up display: one compact stats line plus a status/error line, over the canvas's top-left corner. */

export interface HudInfo {
  backend: string | null;
  encoder: string | null;
  fps: number;
  /** Recent motion-to-photon median (ms), or null when nothing was measured yet. */
  m2pMs: number | null;
  width: number;
  height: number;
  level: number;
  levelCount: number;
  /** Why this backend and encoder, shown on a second line for a while after connecting. */
  why?: string | null;
}

/** The stats line, e.g. "cpu · libx264 · 60 fps · m2p 18 ms · 1280×720". */
export function hudLine(i: HudInfo): string {
  const parts: string[] = [];
  if (i.backend) parts.push(i.backend);
  if (i.encoder) parts.push(i.encoder);
  parts.push(`${Math.round(i.fps)} fps`);
  if (i.m2pMs !== null) parts.push(`m2p ${Math.round(i.m2pMs)} ms`);
  if (i.width > 0 && i.height > 0) parts.push(`${i.width}×${i.height}`);
  if (i.levelCount > 1) parts.push(`ms lvl ${i.level}/${i.levelCount}`);
  return parts.join(" · ") + (i.why ? `\n${i.why}` : "");
}

export type StatusKind = "info" | "error";

/** The HUD element; text only (never innerHTML), so daemon messages cannot inject markup. */
export class Hud {
  readonly el: HTMLDivElement;
  private readonly statsEl: HTMLDivElement;
  private readonly statusEl: HTMLDivElement;

  constructor(doc: Document) {
    this.el = doc.createElement("div");
    this.el.className = "napari-cuda-hud";
    Object.assign(this.el.style, {
      position: "absolute",
      top: "4px",
      left: "4px",
      maxWidth: "calc(100% - 8px)",
      padding: "2px 6px",
      borderRadius: "3px",
      background: "rgba(0, 0, 0, 0.55)",
      color: "#e8e8e8",
      font: "11px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      pointerEvents: "none",
      userSelect: "none",
      whiteSpace: "pre-wrap",
      overflowWrap: "anywhere",
      zIndex: "1",
    } satisfies Partial<CSSStyleDeclaration>);
    this.statsEl = doc.createElement("div");
    this.statusEl = doc.createElement("div");
    this.el.append(this.statsEl, this.statusEl);
    this.setStats("");
    this.setStatus("", "info");
  }

  setStats(text: string): void {
    if (this.statsEl.textContent !== text) this.statsEl.textContent = text;
    this.statsEl.style.display = text ? "" : "none";
    this.syncVisibility();
  }

  setStatus(text: string, kind: StatusKind): void {
    if (this.statusEl.textContent !== text) this.statusEl.textContent = text;
    this.statusEl.style.color = kind === "error" ? "#ff9a9a" : "#e8e8e8";
    this.statusEl.style.display = text ? "" : "none";
    this.statusEl.dataset["kind"] = kind;
    this.syncVisibility();
  }

  private syncVisibility(): void {
    this.el.style.display = this.statsEl.textContent || this.statusEl.textContent ? "" : "none";
  }
}
