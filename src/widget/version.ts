/** Widget module name and version: must match the kernel side's _model_module / _model_module_version. */
export const MODULE_NAME = "napari-cuda";
export const MODULE_VERSION = "0.1.0";
