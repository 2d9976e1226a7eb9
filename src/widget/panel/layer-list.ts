/**
 * The layer list, as napari's: one row per layer, top layer first, each with a visibility checkbox
 * (napari's eye), the name and the type (napari's type icon; here a tag, "image" or "labels"). Click
 * a row to select it; drag a row to reorder (HTML5 drag and drop); keys on a focused row: Arrow
 * Up/Down select the row above/below, Alt+ArrowUp/Down move the layer up/down (draw order),
 * Home/End select the top/bottom layer.
 */
import { el, keepKeys, setText } from "./dom.js";
import { gapAt, moveBy, moveToGap } from "./order.js";
import { layerKind } from "./rows.js";

/** What the list shows of a layer. */
export interface LayerRowData {
  id: string;
  name: string;
  visible: boolean;
  kind?: string; // LayerState.kind (absent: an image)
}

export interface LayerListEvents {
  select(id: string): void;
  setVisible(id: string, visible: boolean): void;
  /** The user reordered the layers: the new ids, top first. */
  reorder(topIds: string[]): void;
}

interface Row {
  li: HTMLLIElement;
  check: HTMLInputElement;
  name: HTMLSpanElement;
  kind: HTMLSpanElement;
}

const DRAG_TYPE = "application/x-napari-cuda-layer";

export class LayerListView {
  readonly el: HTMLUListElement;
  private readonly rows = new Map<string, Row>();
  private order: string[] = [];
  private dragging: string | null = null;

  constructor(
    private readonly doc: Document,
    private readonly events: LayerListEvents,
  ) {
    this.el = el(doc, "ul", "napari-cuda-layers");
    this.el.setAttribute("role", "listbox");
    this.el.setAttribute("aria-label", "layers (top layer first)");
    keepKeys(this.el);
    this.el.addEventListener("dragover", (e) => this.onDragOver(e));
    this.el.addEventListener("dragleave", (e) => {
      if (!this.el.contains(e.relatedTarget as Node | null)) this.clearDropMarks();
    });
    this.el.addEventListener("drop", (e) => this.onDrop(e));
  }

  /** Show these layers (top first) with `selected` highlighted; rows are reused by id. */
  update(topFirstRows: readonly LayerRowData[], selected: string | null): void {
    const focusedId = this.focusedId();
    const ids = topFirstRows.map((r) => r.id);
    for (const [id, row] of this.rows) {
      if (!ids.includes(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    for (const data of topFirstRows) {
      const row = this.rows.get(data.id) ?? this.makeRow(data.id);
      setText(row.name, data.name);
      row.li.title = data.name;
      row.li.dataset["kind"] = layerKind(data);
      setText(row.kind, layerKind(data));
      row.check.checked = data.visible;
      row.check.setAttribute("aria-label", `visible: ${data.name}`);
      row.li.dataset["visible"] = String(data.visible);
    }
    if (ids.join("\n") !== this.order.join("\n")) {
      // Re-appending in order moves rows; a moved element loses focus, so it is given back.
      for (const id of ids) this.el.append(this.rows.get(id)!.li);
      this.order = ids;
      if (focusedId !== null) this.rows.get(focusedId)?.li.focus();
    }
    for (const [id, row] of this.rows) {
      const on = id === selected;
      row.li.setAttribute("aria-selected", String(on));
      row.li.tabIndex = on || (selected === null && id === ids[0]) ? 0 : -1;
    }
  }

  /** The row element of a layer (tests, focus). */
  rowOf(id: string): HTMLLIElement | null {
    return this.rows.get(id)?.li ?? null;
  }

  private focusedId(): string | null {
    const active = this.doc.activeElement;
    for (const [id, row] of this.rows) if (row.li === active) return id;
    return null;
  }

  private makeRow(id: string): Row {
    const li = el(this.doc, "li", "napari-cuda-layer");
    li.dataset["id"] = id;
    li.setAttribute("role", "option");
    li.draggable = true;
    keepKeys(li);
    const check = el(this.doc, "input", "napari-cuda-layer-visible");
    check.type = "checkbox";
    keepKeys(check);
    const name = el(this.doc, "span", "napari-cuda-layer-name");
    const kind = el(this.doc, "span", "napari-cuda-layer-kind");
    li.append(check, name, kind);
    check.addEventListener("change", () => this.events.setVisible(id, check.checked));
    // A click on the checkbox toggles visibility without changing the selection (as napari's eye).
    check.addEventListener("click", (e) => e.stopPropagation());
    li.addEventListener("click", () => {
      this.events.select(id);
      li.focus();
    });
    li.addEventListener("keydown", (e) => this.onKey(e, id));
    li.addEventListener("dragstart", (e) => {
      this.dragging = id;
      e.dataTransfer?.setData(DRAG_TYPE, id);
      if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
      li.classList.add("napari-cuda-dragging");
    });
    li.addEventListener("dragend", () => {
      this.dragging = null;
      li.classList.remove("napari-cuda-dragging");
      this.clearDropMarks();
    });
    const row = { li, check, name, kind };
    this.rows.set(id, row);
    return row;
  }

  private onKey(e: KeyboardEvent, id: string): void {
    if (e.target !== e.currentTarget) return; // keys on the checkbox are the checkbox's
    const i = this.order.indexOf(id);
    const up = e.key === "ArrowUp";
    const down = e.key === "ArrowDown";
    let handled = true;
    if ((up || down) && e.altKey) {
      const next = moveBy(this.order, id, up ? -1 : 1);
      if (next !== null) this.events.reorder(next);
    } else if (up || down) {
      this.selectAt(i + (up ? -1 : 1));
    } else if (e.key === "Home") {
      this.selectAt(0);
    } else if (e.key === "End") {
      this.selectAt(this.order.length - 1);
    } else if (e.key === " " || e.key === "Enter") {
      this.events.select(id);
    } else {
      handled = false;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  private selectAt(i: number): void {
    const id = this.order[Math.max(0, Math.min(this.order.length - 1, i))];
    if (id === undefined) return;
    this.events.select(id);
    this.rows.get(id)?.li.focus();
  }

  private gapFor(e: DragEvent): number {
    const rects = this.order.map((id) => this.rows.get(id)!.li.getBoundingClientRect());
    return gapAt(rects, e.clientY);
  }

  private onDragOver(e: DragEvent): void {
    if (this.dragging === null) return;
    e.preventDefault();
    e.stopPropagation();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
    this.clearDropMarks();
    const gap = this.gapFor(e);
    if (moveToGap(this.order, this.dragging, gap) === null) return;
    const below = this.order[gap];
    if (below !== undefined) this.rows.get(below)?.li.classList.add("napari-cuda-drop-before");
    else this.rows.get(this.order[this.order.length - 1]!)?.li.classList.add("napari-cuda-drop-after");
  }

  private onDrop(e: DragEvent): void {
    const id = this.dragging;
    this.clearDropMarks();
    if (id === null) return;
    e.preventDefault();
    e.stopPropagation();
    const next = moveToGap(this.order, id, this.gapFor(e));
    this.dragging = null;
    if (next !== null) this.events.reorder(next);
  }

  private clearDropMarks(): void {
    for (const row of this.rows.values()) row.li.classList.remove("napari-cuda-drop-before", "napari-cuda-drop-after");
  }
}
