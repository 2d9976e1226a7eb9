/** napari-cuda wire protocol: shared by widget (browser) and daemon (Node). No DOM or Node APIs here. */
export * from "./camera.js";
export * from "./camera3d.js";
export * from "./chunks.js";
export * from "./colormaps.js";
export * from "./control.js";
export * from "./errors.js";
export * from "./frame.js";
export * from "./state.js";
export * from "./label-colors.js";
export * from "./points.js";
export * from "./stream.js";
export * from "./table.js";
export * from "./validate.js";
export * from "./version.js";
