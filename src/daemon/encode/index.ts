/** H.264 encoding through ffmpeg: locate, probe, select, create. */
export { locateFfmpeg, probeFfmpeg, FFMPEG_ENV, type FfmpegProbe, type LocatedFfmpeg } from "./locate.js";
export { chooseFfmpeg, selectEncoder, ENCODER_KINDS, type EncoderSelection, type FfmpegChoice } from "./select.js";
export { createEncoder, frameBytes, type CreateEncoderExtras } from "./encoder.js";
export { codecStringFromAvcC, parseAvcC } from "./avc.js";
export type { DecoderConfig, EncodedFrame, EncoderOptions, InputPixelFormat, VideoEncoder } from "./types.js";
