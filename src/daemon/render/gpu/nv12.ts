/**
 * RGBA -> NV12, BT.709 limited range: the reference for the GPU kernel (native/src/capture.cu), same
 * formulas (float32 there, float64 here, so values may differ by 1 at a rounding boundary):
 *   Y = 16 + 219 * (0.2126 R + 0.7152 G + 0.0722 B) / 255
 *   U = 128 + 224 * (B - Y') / (1.8556 * 255),  V = 128 + 224 * (R - Y') / (1.5748 * 255)
 * with Y' the unscaled luma of the mean RGB of each 2x2 block; rounding floor(x + 0.5), clamped.
 */

const luma = (r: number, g: number, b: number): number => 0.2126 * r + 0.7152 * g + 0.0722 * b;
const byte = (x: number): number => Math.min(255, Math.max(0, Math.floor(x + 0.5)));

/** NV12 bytes (Y plane, then interleaved U,V at half resolution) of an RGBA frame with even width/height. */
export function rgbaToNv12(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (width % 2 || height % 2) throw new Error("rgbaToNv12: width and height must be even");
  const out = new Uint8Array((width * height * 3) / 2);
  const uv = width * height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      out[y * width + x] = byte(16 + (219 * luma(rgba[i]!, rgba[i + 1]!, rgba[i + 2]!)) / 255);
    }
  }
  for (let by = 0; by < height / 2; by++) {
    for (let bx = 0; bx < width / 2; bx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const i = ((by * 2 + dy) * width + bx * 2 + dx) * 4;
        r += rgba[i]!;
        g += rgba[i + 1]!;
        b += rgba[i + 2]!;
      }
      r /= 4;
      g /= 4;
      b /= 4;
      const l = luma(r, g, b);
      out[uv + by * width + bx * 2] = byte(128 + (224 * (b - l)) / (1.8556 * 255));
      out[uv + by * width + bx * 2 + 1] = byte(128 + (224 * (r - l)) / (1.5748 * 255));
    }
  }
  return out;
}
