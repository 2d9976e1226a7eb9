/** The toolbar's buttons: an icon and a text label, a tooltip, an aria-label and a pressed state. */
import { icon, type IconName } from "./icons.js";

const BUTTON_STYLE: Partial<CSSStyleDeclaration> = {
  display: "inline-flex",
  alignItems: "center",
  gap: "4px",
  height: "24px",
  padding: "0 7px",
  border: "1px solid var(--jp-border-color1, #bbb)",
  borderRadius: "3px",
  background: "var(--jp-layout-color1, #fff)",
  color: "var(--jp-ui-font-color1, #222)",
  font: "12px var(--jp-ui-font-family, system-ui, sans-serif)",
  cursor: "pointer",
  whiteSpace: "nowrap",
};

/** A button with an icon and a text label; `title` is its tooltip and accessible description. */
export function toolButton(doc: Document, name: IconName, label: string, title: string): HTMLButtonElement {
  const b = doc.createElement("button");
  b.type = "button";
  b.title = title;
  b.setAttribute("aria-label", label);
  Object.assign(b.style, BUTTON_STYLE);
  const text = doc.createElement("span");
  text.textContent = label;
  b.append(icon(doc, name), text);
  return b;
}

/** Set a button's icon, label and tooltip (the 2D/3D button changes with the mode). */
export function relabel(b: HTMLButtonElement, name: IconName, label: string, title: string): void {
  const doc = b.ownerDocument;
  const text = doc.createElement("span");
  text.textContent = label;
  b.replaceChildren(icon(doc, name), text);
  b.title = title;
  b.setAttribute("aria-label", label);
}

export function setPressed(b: HTMLButtonElement, pressed: boolean): void {
  b.setAttribute("aria-pressed", String(pressed));
  b.style.background = pressed ? "var(--jp-layout-color3, #ddd)" : "var(--jp-layout-color1, #fff)";
}
