/**
 * The dims sliders under the canvas: per sliced axis a label, a play button (napari's animation,
 * at the fps in the row's field), a labelled `<input type="range">` (keyboard accessible as is),
 * the step counted as napari does ("12 / 63") and the fps field. Stable classes for tests:
 * `.napari-cuda-dims` holds the rows, each with a `.napari-cuda-dims-slider[data-axis]`,
 * `.napari-cuda-dims-play` and `.napari-cuda-dims-fps`. Hidden when there is no slider.
 */
import type { SliderSpec } from "../state/dims-model.js";
import { icon } from "../toolbar/icons.js";
import { AxisPlayer, clampFps, DEFAULT_FPS, MAX_FPS } from "./player.js";
import { sliderLabel, sliderValueText } from "./slider-label.js";

export interface DimsBarEvents {
  /** A slider moved (drag, key or the animation); `inputTime` on the performance.now() clock. */
  move(axis: number, value: number, inputTime: number): void;
  /** A slider was released, a key press committed its value, or an animation stopped. */
  release(): void;
}

interface Row {
  spec: SliderSpec;
  input: HTMLInputElement;
  value: HTMLSpanElement;
  play: HTMLButtonElement;
  fps: HTMLInputElement;
}

/** Layout key: rows are rebuilt only when the axes, labels or sizes change. */
function layoutKey(specs: readonly SliderSpec[]): string {
  return JSON.stringify(specs.map((s) => [s.axis, s.label, s.size]));
}

export class DimsBar {
  readonly el: HTMLDivElement;
  private rows: Row[] = [];
  private key = "";
  /** Frame rate per axis, kept across row rebuilds. */
  private readonly fps = new Map<number, number>();
  private readonly player: AxisPlayer;

  constructor(
    private readonly doc: Document,
    private readonly events: DimsBarEvents,
  ) {
    this.el = doc.createElement("div");
    this.el.className = "napari-cuda-dims";
    // Arrow keys on a focused slider move it, not the notebook's cell selection (Lumino shortcuts).
    this.el.setAttribute("data-lm-suppress-shortcuts", "true");
    Object.assign(this.el.style, {
      display: "none",
      gridTemplateColumns: "auto auto 1fr auto auto",
      alignItems: "center",
      columnGap: "6px",
      rowGap: "2px",
      padding: "4px 2px 0",
      font: "var(--jp-ui-font-size1, 12px) var(--jp-ui-font-family, system-ui, sans-serif)",
      color: "var(--jp-ui-font-color1, inherit)",
      lineHeight: "1.4",
    } satisfies Partial<CSSStyleDeclaration>);
    this.player = new AxisPlayer({
      // A removed bar (the view was closed) stops its animation at the next frame.
      current: (axis) => {
        const row = this.rows.find((r) => r.spec.axis === axis);
        return row === undefined || !this.el.isConnected ? null : { value: row.spec.value, size: row.spec.size };
      },
      move: (axis, value, t) => events.move(axis, value, t),
      release: () => events.release(),
      changed: (axis) => this.showPlaying(axis),
    });
  }

  /** Show these sliders (rebuilding rows only when the layout changed). */
  update(specs: readonly SliderSpec[]): void {
    const key = layoutKey(specs);
    if (key !== this.key) this.rebuild(specs, key);
    specs.forEach((spec, i) => {
      const row = this.rows[i];
      if (row === undefined) return;
      row.spec = spec;
      const v = String(spec.value);
      if (row.input.value !== v) row.input.value = v;
      row.input.setAttribute("aria-valuetext", sliderValueText(spec.label, spec.value, spec.size));
      const text = sliderLabel(spec.value, spec.size);
      if (row.value.textContent !== text) row.value.textContent = text;
    });
    this.el.style.display = specs.length > 0 ? "grid" : "none";
  }

  private rebuild(specs: readonly SliderSpec[], key: string): void {
    this.key = key;
    this.el.replaceChildren();
    this.rows = specs.map((spec) => this.row(spec));
    const playing = this.player.axis;
    if (playing !== null && !specs.some((s) => s.axis === playing)) this.player.stop();
    this.showPlaying(this.player.axis);
  }

  private row(spec: SliderSpec): Row {
    const doc = this.doc;
    const id = `napari-cuda-dims-${Math.random().toString(36).slice(2)}`;
    const label = doc.createElement("label");
    label.className = "napari-cuda-dims-label";
    label.htmlFor = id;
    label.textContent = spec.label;
    const play = doc.createElement("button");
    play.type = "button";
    play.className = "napari-cuda-dims-play";
    Object.assign(play.style, {
      display: "inline-flex",
      alignItems: "center",
      justifyContent: "center",
      width: "22px",
      height: "20px",
      padding: "0",
      border: "1px solid var(--jp-border-color1, #bbb)",
      borderRadius: "3px",
      background: "var(--jp-layout-color1, #fff)",
      color: "var(--jp-ui-font-color1, #222)",
      cursor: "pointer",
    } satisfies Partial<CSSStyleDeclaration>);
    const input = doc.createElement("input");
    input.type = "range";
    input.id = id;
    input.className = "napari-cuda-dims-slider";
    input.dataset["axis"] = String(spec.axis);
    // Lumino matches `...:focus` shortcut selectors at the focused input before reaching the bar's attribute.
    input.setAttribute("data-lm-suppress-shortcuts", "true");
    input.min = "0";
    input.max = String(spec.size - 1);
    input.step = "1";
    input.value = String(spec.value);
    Object.assign(input.style, { width: "100%", margin: "0", minWidth: "60px" });
    const value = doc.createElement("span");
    value.className = "napari-cuda-dims-value";
    const digits = String(Math.max(0, spec.size - 1)).length;
    Object.assign(value.style, {
      fontVariantNumeric: "tabular-nums",
      minWidth: `${2 * digits + 3}ch`,
      textAlign: "right",
    });
    const fps = doc.createElement("input");
    fps.type = "number";
    fps.className = "napari-cuda-dims-fps";
    fps.min = "0.1";
    fps.max = String(MAX_FPS);
    fps.step = "1";
    fps.value = String(this.fps.get(spec.axis) ?? DEFAULT_FPS);
    fps.title = `Frames per second when playing axis ${spec.label}`;
    fps.setAttribute("aria-label", `frames per second for axis ${spec.label}`);
    Object.assign(fps.style, { width: "4em", font: "inherit" });
    const fpsBox = doc.createElement("span");
    fpsBox.append(fps, doc.createTextNode(" fps"));
    fpsBox.style.whiteSpace = "nowrap";
    const row: Row = { spec, input, value, play, fps };
    // A drag stops the animation, as in napari; programmatic value changes fire no input event.
    input.addEventListener("pointerdown", () => this.player.stop());
    input.addEventListener("input", (e) => this.events.move(row.spec.axis, Number(input.value), eventTime(e)));
    input.addEventListener("change", () => this.events.release());
    play.addEventListener("click", () => {
      if (this.player.axis === row.spec.axis) this.player.stop();
      else this.player.play(row.spec.axis, this.rowFps(row));
    });
    fps.addEventListener("change", () => {
      const rate = this.rowFps(row);
      fps.value = String(rate);
      if (this.player.axis === row.spec.axis) this.player.setFps(rate);
    });
    this.el.append(label, play, input, value, fpsBox);
    this.setPlayButton(row, false);
    return row;
  }

  private rowFps(row: Row): number {
    const rate = clampFps(Number(row.fps.value));
    this.fps.set(row.spec.axis, rate);
    return rate;
  }

  private showPlaying(axis: number | null): void {
    for (const row of this.rows) this.setPlayButton(row, row.spec.axis === axis);
  }

  private setPlayButton(row: Row, playing: boolean): void {
    const what = `${playing ? "Stop playing" : "Play"} axis ${row.spec.label}`;
    row.play.replaceChildren(icon(this.doc, playing ? "stop" : "play"));
    row.play.title = playing ? what : `${what} (loops; frames per second in the field after the slider)`;
    row.play.setAttribute("aria-label", what);
    row.play.setAttribute("aria-pressed", String(playing));
  }
}

/** Event time on the performance.now() clock (event.timeStamp when it is plausible). */
function eventTime(ev: Event): number {
  const now = performance.now();
  const t = ev.timeStamp;
  return Number.isFinite(t) && t <= now && t > now - 1000 ? t : now;
}
