/**
 * Size bounds of one encoded frame. jupyter-server-proxy relays the stream through tornado, whose
 * WebSocket max_message_size is 10 MiB: a larger frame closes the proxied socket, and the view's
 * reconnect would ask for the same keyframe again (a loop). So x264/NVENC run with a VBV buffer that keeps a
 * frame near VBV_BUFSIZE_BITS, an encoder re-encodes anything above MAX_FRAME_BYTES at a coarser setting
 * (encoder.ts), and the pump never sends a message above MAX_FRAME_MESSAGE_BYTES (server/render-pump.ts).
 */

/** The proxy's limit on one WebSocket message (tornado's default max_message_size). */
export const PROXY_MESSAGE_LIMIT_BYTES = 10 * 1024 * 1024;
/** Largest frame message the daemon sends (header + access unit); the margin covers the header. */
export const MAX_FRAME_MESSAGE_BYTES = 9 * 1024 * 1024;
/** Largest access unit an encoder hands out; a larger one is re-encoded coarser. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/**
 * VBV buffer (bits): with it full, one frame is at most about this big (6 MB). Measured on 3840x2160
 * random noise: a 4:2:0 CRF 26 keyframe 7.0 MB without it, 4.2-5.3 MB with it; a 4:4:4 CRF 3 still 32 MB
 * without, 5.0-5.2 MB with.
 */
export const VBV_BUFSIZE_BITS = 48_000_000;
/**
 * VBV rate (bits/s at the nominal 60 fps of the timestamps): high enough that ordinary frames never meet it,
 * low enough that x264 still writes an H.264 level <= 5.2 (browsers' decoders); the still's High 4:4:4
 * profile allows 4x the 4:2:0 rates at a level.
 */
export const VBV_MAXRATE_BITS = 240_000_000;
export const VBV_MAXRATE_STILL_BITS = 900_000_000;
/** Re-encode steps above the normal setting: each adds COARSER_CRF_STEP to the CRF/CQ and halves the VBV buffer. */
export const MAX_COARSER_STEPS = 4;
export const COARSER_CRF_STEP = 6;

/** VBV and quality arguments' numbers for re-encode step `coarser` (0 = normal). */
export function vbvFor(coarser: number, still: boolean): { maxrate: number; bufsize: number; crfAdd: number } {
  const step = Math.max(0, Math.min(MAX_COARSER_STEPS, Math.floor(coarser)));
  return {
    maxrate: still ? VBV_MAXRATE_STILL_BITS : VBV_MAXRATE_BITS,
    bufsize: Math.floor(VBV_BUFSIZE_BITS / 2 ** step),
    crfAdd: step * COARSER_CRF_STEP,
  };
}

/** H.264 levels (Annex A, Table A-1): name, MaxMBPS (macroblocks/s), MaxFS (macroblocks). */
const LEVELS: ReadonlyArray<readonly [string, number, number]> = [
  ["1", 1485, 99],
  ["1.1", 3000, 396],
  ["1.2", 6000, 396],
  ["1.3", 11880, 396],
  ["2", 11880, 396],
  ["2.1", 19800, 792],
  ["2.2", 20250, 1620],
  ["3", 40500, 1620],
  ["3.1", 108000, 3600],
  ["3.2", 216000, 5120],
  ["4", 245760, 8192],
  ["4.2", 522240, 8704],
  ["5", 589824, 22080],
  ["5.1", 983040, 36864],
  ["5.2", 2073600, 36864],
  ["6", 4177920, 139264],
  ["6.1", 8355840, 139264],
  ["6.2", 16711680, 139264],
];

/**
 * The level x264 writes for this frame size at the nominal 60 fps without a VBV (the smallest whose frame
 * size and macroblock rate fit), or null when none does. The VBV rates above would otherwise raise every
 * stream's level to 5.1+ (x264 counts them), while browsers are probed at 4.0 (protocol/codecs.ts): the
 * level is pinned to the frame's own, and x264 only notes the VBV above it.
 */
export function levelFor(width: number, height: number): string | null {
  const mbW = Math.ceil(width / 16);
  const mbH = Math.ceil(height / 16);
  const fs = mbW * mbH;
  for (const [name, mbps, maxFs] of LEVELS) {
    // Annex A also bounds each side: at most sqrt(8 * MaxFS) macroblocks.
    const side = Math.sqrt(8 * maxFs);
    if (fs <= maxFs && fs * 60 <= mbps && mbW <= side && mbH <= side) return name;
  }
  return null;
}
