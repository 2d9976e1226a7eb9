/** JupyterLab plugin: registers the napari-cuda widget module with the Jupyter widgets manager. */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { IJupyterWidgetRegistry } from "@jupyter-widgets/base";
import { MODULE_NAME, MODULE_VERSION, ViewerModel, ViewerView } from "./widget/index.js";

/** Works in JupyterLab 4 and Notebook 7 (both load prebuilt extensions and provide the registry). */
const plugin: JupyterFrontEndPlugin<void> = {
  id: "napari-cuda:plugin",
  description: "napari-cuda: a GPU-rendered, H.264-streamed image viewer widget",
  requires: [IJupyterWidgetRegistry],
  autoStart: true,
  activate: (_app: JupyterFrontEnd, registry: IJupyterWidgetRegistry): void => {
    registry.registerWidget({ name: MODULE_NAME, version: MODULE_VERSION, exports: { ViewerModel, ViewerView } });
  },
};

export default plugin;
