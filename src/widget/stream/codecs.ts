/** Which H.264 codec strings this browser can decode, most preferred first. */
import { H264_CODECS, H264_STILL_CODEC } from "../../protocol/codecs.js";

/** Probe for one codec string: resolves true when the decoder supports it. */
export type CodecProbe = (codec: string) => Promise<boolean>;

/** Keep the candidates the probe accepts, in candidate order; a probe that throws or rejects counts as no. */
export async function supportedCodecs(
  probe: CodecProbe,
  candidates: readonly string[] = H264_CODECS,
): Promise<string[]> {
  const results = await Promise.all(
    candidates.map(async (codec) => {
      try {
        return (await probe(codec)) === true;
      } catch {
        return false;
      }
    }),
  );
  return candidates.filter((_, i) => results[i]);
}

/** Probe backed by WebCodecs' VideoDecoder.isConfigSupported, configured for low latency. */
export function webCodecsProbe(codec: string): Promise<boolean> {
  return VideoDecoder.isConfigSupported({ codec, optimizeForLatency: true }).then((r) => r.supported === true);
}

/** Is WebCodecs' VideoDecoder present (it exists only in secure contexts)? */
export function hasWebCodecs(): boolean {
  return typeof VideoDecoder !== "undefined" && typeof EncodedVideoChunk !== "undefined";
}

let cached: Promise<string[]> | null = null;

/**
 * The browser's decodable H.264 codecs, probed once per page: the stream's profiles, most preferred
 * first, then the still frames' High 4:4:4 when it decodes that too (never chosen for the stream).
 */
export function browserCodecs(): Promise<string[]> {
  cached ??= supportedCodecs(webCodecsProbe, [...H264_CODECS, H264_STILL_CODEC]);
  return cached;
}
