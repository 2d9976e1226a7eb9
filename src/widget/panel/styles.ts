/**
 * The panel's look: compact like napari's layer controls, coloured with JupyterLab's theme
 * variables (so it reads in the light and the dark theme) and napari's dark palette as fallback
 * outside JupyterLab. Class names are stable (tests and users' CSS may target them).
 */

const BG = "var(--jp-layout-color1, #262930)";
const ROW = "var(--jp-layout-color2, #414851)";
const BORDER = "var(--jp-border-color2, #5a626c)";
const TEXT = "var(--jp-ui-font-color1, #f0f1f2)";
const MUTED = "var(--jp-ui-font-color2, #a9b0b8)";
const ACCENT = "var(--jp-brand-color1, #1c88d4)";
const SELECTED = "var(--jp-brand-color3, #3b5670)";
// A tint of the accent over the row colour: readable with the theme's text colour, light or dark.
const SELECTED_MIX = `color-mix(in srgb, ${ACCENT} 32%, ${ROW})`;
const FOCUS = "0 0 0 2px var(--jp-brand-color2, #4fa3e0)";

// Thumb 14 px; the track is drawn inside the 18 px runnable track (no extra elements for single sliders).
const THUMB = `-webkit-appearance: none; appearance: none; pointer-events: auto; width: 14px; height: 14px;
  border-radius: 50%; background: ${ACCENT}; border: 2px solid ${BG}; box-sizing: border-box; cursor: pointer;`;
const LINE = `linear-gradient(transparent 7px, ${BORDER} 7px, ${BORDER} 11px, transparent 11px)`;

export const PANEL_CSS = `
.napari-cuda-panel { position: relative; box-sizing: border-box; flex: 0 0 auto; width: 240px;
  background: ${BG}; color: ${TEXT}; border: 1px solid ${BORDER}; border-radius: 3px; margin-right: 6px;
  font: var(--jp-ui-font-size1, 12px) / 1.3 var(--jp-ui-font-family, system-ui, sans-serif); line-height: 1.3; }
.napari-cuda-panel.napari-cuda-panel-collapsed { width: 26px; }
.napari-cuda-panel-scroll { position: absolute; inset: 0; overflow-y: auto; overflow-x: hidden; padding: 4px 6px 8px; }
.napari-cuda-panel-collapsed .napari-cuda-panel-scroll { padding: 2px; overflow: hidden; }
.napari-cuda-panel-collapsed .napari-cuda-panel-body, .napari-cuda-panel-collapsed .napari-cuda-panel-title { display: none; }
.napari-cuda-panel-head { display: flex; align-items: center; gap: 4px; margin-bottom: 4px; }
.napari-cuda-panel-title { flex: 1 1 auto; font-weight: 600; color: ${MUTED}; text-transform: lowercase; }
.napari-cuda-panel button, .napari-cuda-panel select { font: inherit; color: ${TEXT}; background: ${ROW};
  border: 1px solid ${BORDER}; border-radius: 3px; padding: 1px 6px; min-height: 20px; }
.napari-cuda-panel button:disabled { opacity: 0.5; cursor: default; }
.napari-cuda-panel button:not(:disabled) { cursor: pointer; }
.napari-cuda-panel-toggle { width: 20px; padding: 0 !important; line-height: 18px; }
.napari-cuda-panel :focus-visible { outline: none; box-shadow: ${FOCUS}; }
.napari-cuda-layers { list-style: none; margin: 0 0 6px; padding: 2px; border: 1px solid ${BORDER};
  border-radius: 3px; max-height: 168px; overflow-y: auto; }
.napari-cuda-layer { display: flex; align-items: center; gap: 6px; padding: 3px 4px; margin: 1px 0;
  border-radius: 3px; background: ${ROW}; border-left: 3px solid transparent; cursor: grab; user-select: none; }
.napari-cuda-layer[aria-selected="true"] { background: ${SELECTED}; background: ${SELECTED_MIX};
  border-left-color: ${ACCENT}; }
.napari-cuda-layer.napari-cuda-drop-before { box-shadow: inset 0 2px 0 ${ACCENT}; }
.napari-cuda-layer.napari-cuda-drop-after { box-shadow: inset 0 -2px 0 ${ACCENT}; }
.napari-cuda-layer.napari-cuda-dragging { opacity: 0.5; }
.napari-cuda-layer-visible { margin: 0; accent-color: ${ACCENT}; cursor: pointer; }
.napari-cuda-layer-name { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.napari-cuda-layer[data-visible="false"] .napari-cuda-layer-name { color: ${MUTED}; font-style: italic; }
.napari-cuda-layer-kind { flex: 0 0 auto; font-size: 10px; line-height: 14px; padding: 0 4px; color: ${MUTED};
  border: 1px solid ${BORDER}; border-radius: 7px; }
.napari-cuda-int, .napari-cuda-check { display: flex; align-items: center; gap: 4px; min-height: 20px; }
.napari-cuda-panel input[type="number"] { flex: 1 1 auto; width: 100%; min-width: 0; box-sizing: border-box;
  font: inherit; font-variant-numeric: tabular-nums; color: ${TEXT}; background: ${ROW}; border: 1px solid ${BORDER};
  border-radius: 3px; padding: 1px 4px; min-height: 20px; }
.napari-cuda-int-step { flex: 0 0 auto; width: 22px; padding: 0 !important; }
/* The label field has -/+ buttons: no native spinner beside them (arrow keys still step). */
.napari-cuda-selected-label { -moz-appearance: textfield; appearance: textfield; }
.napari-cuda-selected-label::-webkit-inner-spin-button, .napari-cuda-selected-label::-webkit-outer-spin-button {
  -webkit-appearance: none; margin: 0; }
.napari-cuda-label-swatch { flex: 0 0 auto; width: 20px; height: 20px; box-sizing: border-box; border-radius: 3px;
  border: 1px solid ${BORDER}; }
.napari-cuda-label-swatch[data-empty="true"] { background: repeating-conic-gradient(#8a8a8a 0 25%, #c8c8c8 0 50%)
  50% / 8px 8px; }
.napari-cuda-check input { margin: 0; accent-color: ${ACCENT}; cursor: pointer; }
.napari-cuda-store-state { font-size: 11px; overflow-wrap: anywhere; }
.napari-cuda-store-state[data-unsaved="true"] { color: #c77700; font-weight: 600; }
.napari-cuda-controls { display: grid; grid-template-columns: 78px minmax(0, 1fr) auto; align-items: center;
  column-gap: 6px; row-gap: 5px; }
.napari-cuda-controls[hidden] { display: none; }
.napari-cuda-control-label { color: ${MUTED}; font-size: 11px; line-height: 1.15; overflow-wrap: anywhere; }
.napari-cuda-cmap-label { align-self: start; padding-top: 4px; }
.napari-cuda-control-wide { grid-column: 2 / 4; min-width: 0; }
.napari-cuda-readout { font-variant-numeric: tabular-nums; font-size: 11px; min-width: 4ch; text-align: right; }
.napari-cuda-readouts { grid-column: 2 / 4; display: flex; justify-content: space-between; margin-top: -4px; }
.napari-cuda-readouts > .napari-cuda-readout:first-child { text-align: left; }
.napari-cuda-control-row[hidden], .napari-cuda-controls > [hidden] { display: none; }
.napari-cuda-panel select { width: 100%; min-width: 0; }
.napari-cuda-panel input[type="range"] { -webkit-appearance: none; appearance: none; width: 100%; height: 18px;
  margin: 0; background: transparent; min-width: 0; }
.napari-cuda-panel input[type="range"]::-webkit-slider-runnable-track { height: 18px; background: ${LINE}; }
.napari-cuda-panel input[type="range"]::-moz-range-track { height: 4px; background: ${BORDER}; }
.napari-cuda-panel input[type="range"]::-webkit-slider-thumb { ${THUMB} margin-top: 2px; }
.napari-cuda-panel input[type="range"]::-moz-range-thumb { ${THUMB} }
.napari-cuda-panel input[type="range"]:focus-visible { box-shadow: none; }
.napari-cuda-panel input[type="range"]:focus-visible::-webkit-slider-thumb { box-shadow: ${FOCUS}; }
.napari-cuda-panel input[type="range"]:focus-visible::-moz-range-thumb { box-shadow: ${FOCUS}; }
.napari-cuda-panel input[type="range"]:disabled { opacity: 0.45; }
.napari-cuda-range { position: relative; height: 18px; }
.napari-cuda-range-track { position: absolute; left: 7px; right: 7px; top: 7px; height: 4px; background: ${BORDER};
  border-radius: 2px; }
.napari-cuda-range-fill { position: absolute; top: 0; bottom: 0; background: ${ACCENT}; border-radius: 2px; }
.napari-cuda-range input[type="range"] { position: absolute; left: 0; top: 0; pointer-events: none; }
.napari-cuda-range input[type="range"]::-webkit-slider-runnable-track { background: transparent; }
.napari-cuda-range input[type="range"]::-moz-range-track { background: transparent; }
.napari-cuda-auto { display: flex; gap: 4px; }
.napari-cuda-cmap { position: relative; min-width: 0; }
.napari-cuda-cmap-button { display: flex; align-items: center; gap: 6px; width: 100%; text-align: left; }
.napari-cuda-cmap-name { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.napari-cuda-swatch { flex: 0 0 auto; width: 44px; height: 10px; border-radius: 2px; border: 1px solid ${BORDER}; }
.napari-cuda-swatch[data-empty="true"] { visibility: hidden; }
.napari-cuda-cmap-list { list-style: none; margin: 2px 0 0; padding: 2px; max-height: 180px; overflow-y: auto;
  background: ${BG}; border: 1px solid ${BORDER}; border-radius: 3px; }
.napari-cuda-cmap-option { display: flex; align-items: center; gap: 6px; padding: 2px 4px; border-radius: 2px; cursor: pointer; }
.napari-cuda-cmap-option[aria-selected="true"] { font-weight: 600; }
.napari-cuda-cmap-option.napari-cuda-active, .napari-cuda-cmap-option:hover { background: ${SELECTED};
  background: ${SELECTED_MIX}; }
.napari-cuda-panel-empty { color: ${MUTED}; font-style: italic; padding: 4px 2px; }
`;
