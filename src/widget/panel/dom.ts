/** Small DOM helpers for the panel: text always goes in as textContent (layer names are user text). */
import { PANEL_CSS } from "./styles.js";

const STYLE_ID = "napari-cuda-panel-style";

/** Create `tag` with a class and optional text (as textContent). */
export function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Mark an element so JupyterLab's keyboard shortcuts (notebook command mode: arrows, space, a, b,
 * ...) leave its keys alone: Lumino skips targets inside such an element.
 */
export function keepKeys(node: HTMLElement): void {
  node.setAttribute("data-lm-suppress-shortcuts", "true");
}

/**
 * Add the panel's style sheet to `doc` once (pseudo-elements such as slider thumbs cannot be
 * styled inline). Static text only. Returns whether it was added now.
 */
export function ensureStyles(doc: Document): boolean {
  if (doc.getElementById(STYLE_ID) !== null) return false;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = PANEL_CSS;
  (doc.head ?? doc.documentElement).append(style);
  return true;
}

/** Set textContent only when it changes (cheap on the state events of every camera move). */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Call `fn` when any pointer is released anywhere in `doc` (a drag may end outside its control); returns the remover. */
export function onRelease(doc: Document, fn: () => void): () => void {
  const opts = { capture: true } as const;
  doc.addEventListener("pointerup", fn, opts);
  doc.addEventListener("pointercancel", fn, opts);
  return () => {
    doc.removeEventListener("pointerup", fn, opts);
    doc.removeEventListener("pointercancel", fn, opts);
  };
}
