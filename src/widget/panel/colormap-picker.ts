/**
 * The colormap dropdown with swatches (as napari's colormap combobox): a button showing the
 * current colormap, opening a listbox of the built-in names each with its colours. The list opens
 * in the panel's flow (never over the canvas). Keys: Enter/Space/Alt+ArrowDown open; in the list
 * ArrowUp/Down, Home/End, a letter (next name starting with it), Enter/Space pick, Escape closes.
 */
import { el, keepKeys, setText } from "./dom.js";
import { builtinLut, gradientCss, type Lut } from "./swatch.js";

export interface ColormapPickerSpec {
  /** Built-in names, in list order. */
  names: readonly string[];
  onPick(name: string): void;
}

export class ColormapPicker {
  readonly label: HTMLLabelElement;
  readonly root: HTMLDivElement;
  readonly button: HTMLButtonElement;
  private readonly list: HTMLUListElement;
  private readonly swatch: HTMLSpanElement;
  private readonly nameEl: HTMLSpanElement;
  private readonly gradients = new Map<string, string | null>();
  private readonly id = `napari-cuda-cmap-${Math.random().toString(36).slice(2)}`;
  private current = "";
  private active = -1;
  private options: string[] = [];

  constructor(
    private readonly doc: Document,
    private readonly spec: ColormapPickerSpec,
  ) {
    this.label = el(doc, "label", "napari-cuda-control-label napari-cuda-cmap-label", "colormap:");
    this.root = el(doc, "div", "napari-cuda-cmap napari-cuda-control-wide");
    this.button = el(doc, "button", "napari-cuda-cmap-button napari-cuda-colormap");
    this.button.type = "button";
    this.button.id = `${this.id}-button`;
    this.label.htmlFor = this.button.id;
    this.button.setAttribute("aria-haspopup", "listbox");
    this.button.setAttribute("aria-expanded", "false");
    keepKeys(this.button);
    this.swatch = el(doc, "span", "napari-cuda-swatch");
    this.nameEl = el(doc, "span", "napari-cuda-cmap-name");
    this.button.append(this.swatch, this.nameEl);
    this.list = el(doc, "ul", "napari-cuda-cmap-list");
    this.list.id = `${this.id}-list`;
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", "colormaps");
    this.list.tabIndex = -1;
    this.list.hidden = true;
    keepKeys(this.list);
    this.button.setAttribute("aria-controls", this.list.id);
    this.root.append(this.button, this.list);
    this.button.addEventListener("click", () => (this.list.hidden ? this.open() : this.close(true)));
    this.button.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        this.open();
      }
    });
    this.list.addEventListener("keydown", (e) => this.onListKey(e));
    this.list.addEventListener("click", (e) => {
      const li = (e.target as Element | null)?.closest?.("li");
      const name = li instanceof HTMLElement ? li.dataset["name"] : undefined;
      if (name !== undefined) this.pick(name);
    });
    this.root.addEventListener("focusout", (e) => {
      const next = e.relatedTarget as Node | null;
      if (next === null || !this.root.contains(next)) this.close(false);
    });
  }

  /** Show the layer's colormap: its name and colours (`lut` null: no swatch). */
  set(name: string, lut: Lut | null): void {
    this.current = name;
    setText(this.nameEl, name);
    this.button.setAttribute("aria-label", `colormap: ${name}`);
    this.paint(this.swatch, lut === null ? null : gradientCss(lut));
  }

  get isOpen(): boolean {
    return !this.list.hidden;
  }

  cells(): HTMLElement[] {
    return [this.label, this.root];
  }

  /** Open the list (built on each open: the names and the current one may have changed). */
  open(): void {
    const names = [...this.spec.names];
    // A custom colormap is listed first, so the list always shows what the layer has.
    if (this.current !== "" && !names.includes(this.current)) names.unshift(this.current);
    this.options = names;
    this.list.replaceChildren(...names.map((n, i) => this.option(n, i)));
    this.list.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.setActive(Math.max(0, names.indexOf(this.current)));
    this.list.focus();
  }

  /** Close the list; `refocus` puts the focus back on the button. */
  close(refocus: boolean): void {
    if (this.list.hidden) return;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.button.setAttribute("aria-expanded", "false");
    if (refocus) this.button.focus();
  }

  private pick(name: string): void {
    this.close(true);
    if (name !== this.current) this.spec.onPick(name);
  }

  private option(name: string, i: number): HTMLLIElement {
    const li = el(this.doc, "li", "napari-cuda-cmap-option");
    li.id = `${this.id}-o${i}`;
    li.dataset["name"] = name;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", String(name === this.current));
    const sw = el(this.doc, "span", "napari-cuda-swatch");
    this.paint(sw, name === this.current ? this.swatch.style.backgroundImage || null : this.gradient(name));
    li.append(sw, el(this.doc, "span", "napari-cuda-cmap-name", name));
    return li;
  }

  private gradient(name: string): string | null {
    if (!this.gradients.has(name)) {
      const lut = builtinLut(name);
      this.gradients.set(name, lut === null ? null : gradientCss(lut));
    }
    return this.gradients.get(name) ?? null;
  }

  private paint(sw: HTMLElement, css: string | null): void {
    sw.style.backgroundImage = css ?? "";
    sw.dataset["empty"] = String(css === null);
  }

  private setActive(i: number): void {
    const items = this.list.children;
    items[this.active]?.classList.remove("napari-cuda-active");
    this.active = Math.max(0, Math.min(items.length - 1, i));
    const li = items[this.active] as HTMLElement | undefined;
    if (li === undefined) return;
    li.classList.add("napari-cuda-active");
    this.list.setAttribute("aria-activedescendant", li.id);
    li.scrollIntoView?.({ block: "nearest" });
  }

  private onListKey(e: KeyboardEvent): void {
    const n = this.options.length;
    const keys: Record<string, () => void> = {
      ArrowDown: () => this.setActive(this.active + 1),
      ArrowUp: () => this.setActive(this.active - 1),
      Home: () => this.setActive(0),
      End: () => this.setActive(n - 1),
      PageDown: () => this.setActive(this.active + 8),
      PageUp: () => this.setActive(this.active - 8),
      Enter: () => this.pick(this.options[this.active] ?? this.current),
      " ": () => this.pick(this.options[this.active] ?? this.current),
      Escape: () => this.close(true),
    };
    const action = keys[e.key];
    if (action !== undefined) {
      e.preventDefault();
      e.stopPropagation();
      action();
      return;
    }
    if (e.key === "Tab") {
      this.close(false);
      return;
    }
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // A letter is the list's (type-ahead), not a viewer shortcut such as V.
      e.preventDefault();
      e.stopPropagation();
      const k = e.key.toLowerCase();
      for (let step = 1; step <= n; step++) {
        const i = (this.active + step) % n;
        if (this.options[i]!.toLowerCase().startsWith(k)) {
          this.setActive(i);
          break;
        }
      }
    }
  }
}
