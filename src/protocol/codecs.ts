/** H.264 codec strings the client offers, most preferred first (high, main, baseline; level 4.0). Zod-free on purpose: the widget imports it. */
export const H264_CODECS = ["avc1.640028", "avc1.4D4028", "avc1.42E028"] as const;
/**
 * High 4:4:4 Predictive, level 4.0: the still frame a resting view gets when the browser decodes it
 * (offered after H264_CODECS; 4:2:0 loses the colour detail of noisy data, docs/latency.md).
 */
export const H264_STILL_CODEC = "avc1.f40028";

/** Is this the codec of still frames (High 4:4:4 Predictive, "avc1.f4...")? */
export function isStillCodec(codec: string): boolean {
  return codec.toLowerCase().startsWith("avc1.f4");
}
