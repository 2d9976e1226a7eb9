/** Shared helpers for the encoder tests: the real ffmpeg, synthetic frames, PSNR, process lookup. */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locateFfmpeg } from "../../../src/daemon/encode/locate.js";

/** The ffmpeg the daemon would use. CI installs one: a missing ffmpeg fails the tests, never skips them. */
export function requireFfmpeg(): string {
  const found = locateFfmpeg();
  if (!found) throw new Error("no ffmpeg found (NAPARI_CUDA_FFMPEG, PATH, @ffmpeg-installer/linux-x64): tests need it");
  return found.path;
}

/** ffmpeg reached through a symlink in a fresh temp dir, so `pgrep -f dir` finds exactly our children. */
export function markedFfmpeg(): { path: string; marker: string; cleanup(): void } {
  const marker = mkdtempSync(join(tmpdir(), "napari-cuda-enc-test-"));
  const path = join(marker, "ffmpeg");
  symlinkSync(requireFfmpeg(), path);
  return { path, marker, cleanup: () => rmSync(marker, { recursive: true, force: true }) };
}

/** Pids of live processes whose command line contains `marker`. */
export function pidsMatching(marker: string): number[] {
  try {
    const out = execFileSync("pgrep", ["-f", marker], { encoding: "utf8" });
    return out.split("\n").filter(Boolean).map(Number);
  } catch (err) {
    if ((err as { status?: number }).status === 1) return []; // pgrep: nothing matched
    throw err;
  }
}

/** Bytes a process has read so far (Linux /proc/<pid>/io): tells the active ffmpeg from the idle standby. */
export function bytesRead(pid: number): number {
  const m = /^rchar:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
  if (!m) throw new Error(`no rchar for pid ${pid}`);
  return Number(m[1]);
}

/** Resolves once `pid` has been reaped (its /proc entry is gone), plus a few event-loop turns. */
export async function reaped(pid: number): Promise<void> {
  while (existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
}

/** Run ffmpeg to completion; resolves with stdout. */
export function runFfmpeg(args: string[], input?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      requireFfmpeg(),
      ["-hide_banner", "-loglevel", "error", ...args],
      { encoding: "buffer", maxBuffer: 512 << 20 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr.toString()}`)) : resolve(stdout)),
    );
    child.stdin!.on("error", () => undefined); // reported through the exit status
    child.stdin!.end(input ?? Buffer.alloc(0));
  });
}

/** ffmpeg's stderr (stream info) for an input file; the exit status is ignored (no output is given). */
export function ffmpegInfo(file: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(requireFfmpeg(), ["-hide_banner", "-i", file], (_err, _stdout, stderr) => resolve(stderr));
  });
}

/** Triangle wave 0..255..0 with period 510: smooth everywhere, unlike a wrapping ramp. */
function tri(v: number): number {
  const m = ((v % 510) + 510) % 510;
  return m < 256 ? m : 509 - m;
}

/** A saturated RGBA gradient that moves with `t` (each channel along a different direction). */
export function gradientRgba(width: number, height: number, t: number): Uint8Array {
  const px = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      px[i] = tri(x * 1.5 + t * 6);
      px[i + 1] = tri(y * 2 + t * 4);
      px[i + 2] = tri((x + y) * 0.8 + 200 - t * 5);
      px[i + 3] = 255;
    }
  }
  return px;
}

/** A moving NV12 frame (limited-range values) for the pass-through path. */
export function gradientNv12(width: number, height: number, t: number): Uint8Array {
  const px = new Uint8Array((width * height * 3) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) px[y * width + x] = 16 + Math.round((tri(x * 2 + y + t * 6) * 219) / 255);
  }
  const uv = width * height;
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) {
      px[uv + y * width + 2 * x] = 16 + Math.round((tri(x * 3 + t * 5) * 224) / 255);
      px[uv + y * width + 2 * x + 1] = 16 + Math.round((tri(y * 3 + 100 - t * 4) * 224) / 255);
    }
  }
  return px;
}

/** PSNR in dB over the bytes of `a` and `b` where `keep(i)` is true (all when omitted). */
export function psnr(a: Uint8Array, b: Uint8Array, keep: (i: number) => boolean = () => true): number {
  if (a.length !== b.length) throw new Error(`psnr: ${a.length} vs ${b.length} bytes`);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (!keep(i)) continue;
    const d = a[i]! - b[i]!;
    sum += d * d;
    n++;
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sum / n));
}

/** PSNR over the R, G and B bytes of two RGBA buffers (alpha ignored). */
export function psnrRgb(a: Uint8Array, b: Uint8Array): number {
  return psnr(a, b, (i) => i % 4 !== 3);
}

/** Deterministic PRNG (mulberry32) for chunk sizes. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
