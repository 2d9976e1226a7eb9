/** The widget model: defaults for the synced traits (the kernel's Viewer widget sends the real values). */
import { DOMWidgetModel, type ISerializers } from "@jupyter-widgets/base";
import { DEFAULT_CAMERA, DEFAULT_DIMS, DEFAULT_HEIGHT } from "./state/traits.js";
import { MODULE_NAME, MODULE_VERSION } from "./version.js";

/** Model for napari_cuda.Viewer. Never holds a token: the connection is handed over by custom message. */
export class ViewerModel extends DOMWidgetModel {
  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      _model_name: "ViewerModel",
      _model_module: MODULE_NAME,
      _model_module_version: MODULE_VERSION,
      _view_name: "ViewerView",
      _view_module: MODULE_NAME,
      _view_module_version: MODULE_VERSION,
      camera: structuredClone(DEFAULT_CAMERA),
      dims: structuredClone(DEFAULT_DIMS),
      layers: [],
      width: null,
      height: DEFAULT_HEIGHT,
      canvas: {},
      stream_info: {},
      layer_levels: {},
      overlays: {},
      debug_overlay: false,
      predict: true,
    };
  }

  static override serializers: ISerializers = { ...DOMWidgetModel.serializers };
}
