/** H.264 profile choice from the WebCodecs codec strings a client reported as decodable. */
import { isStillCodec } from "../../protocol/codecs.js";
import type { EncoderOptions } from "../encode/types.js";

export type H264Profile = EncoderOptions["profile"];

const PREFIXES: ReadonlyArray<[string, H264Profile]> = [
  ["avc1.64", "high"],
  ["avc1.4d", "main"],
  ["avc1.42", "baseline"],
];

/**
 * Best profile the client can decode (high > main > baseline), or null when it offers no H.264.
 * `preferred` (NAPARI_CUDA_H264_PROFILE) caps the choice: e.g. "baseline" for decoders that
 * struggle with CABAC; a client that cannot decode it gets the best it can below that.
 */
export function chooseProfile(codecs: readonly string[], preferred?: H264Profile): H264Profile | null {
  const offered = codecs.map((c) => c.toLowerCase());
  const start = preferred ? PREFIXES.findIndex(([, p]) => p === preferred) : 0;
  for (const [prefix, profile] of PREFIXES.slice(Math.max(0, start))) {
    if (offered.some((c) => c.startsWith(prefix))) return profile;
  }
  return null;
}

/**
 * The client decodes High 4:4:4 Predictive ("avc1.f4..."), the profile of stills (x264.ts): the widget
 * offers it only after WebCodecs' isConfigSupported says yes.
 */
export function offersStills(codecs: readonly string[]): boolean {
  return codecs.some(isStillCodec);
}
