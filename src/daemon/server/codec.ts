/** H.264 profile choice from the WebCodecs codec strings a client reported as decodable. */
import type { EncoderOptions } from "../encode/types.js";

export type H264Profile = EncoderOptions["profile"];

const PREFIXES: ReadonlyArray<[string, H264Profile]> = [
  ["avc1.64", "high"],
  ["avc1.4d", "main"],
  ["avc1.42", "baseline"],
];

/** Best profile the client can decode (high > main > baseline), or null when it offers no H.264. */
export function chooseProfile(codecs: readonly string[]): H264Profile | null {
  const offered = codecs.map((c) => c.toLowerCase());
  for (const [prefix, profile] of PREFIXES) {
    if (offered.some((c) => c.startsWith(prefix))) return profile;
  }
  return null;
}
