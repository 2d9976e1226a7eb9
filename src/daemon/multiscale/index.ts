/**
 * Multiscale level selection: napari's rule (level.ts, estimate.ts), the live hysteresis controller
 * (policy.ts) and its NAPARI_CUDA_MS_AUTO* settings (env.ts).
 */
export { defaultMsAutoConfig, parseMsAutoConfig, type MsAutoConfig } from "./env.js";
export {
  clampLevel,
  estimateLevel,
  stillLevel,
  type EstimateMode,
  type LevelEstimate,
  type LevelInput,
  type LevelOptions,
} from "./estimate.js";
export {
  computeMultiscaleLevel,
  levelRatios,
  levelRegion,
  napariDownsampleFactors,
  viewDataBox,
  type DataBox,
  type LayerTransform,
  type LevelGeometry,
} from "./level.js";
export { formatDecision, LevelPolicy, type LevelDecision, type LevelReason } from "./policy.js";
