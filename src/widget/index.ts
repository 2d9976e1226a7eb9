/** Browser side of napari-cuda: the widget classes the plugin registers. */
export { ViewerModel } from "./model.js";
export { ViewerView } from "./view.js";
export { MODULE_NAME, MODULE_VERSION } from "./version.js";
