/**
 * h264_nvenc: arguments and the real probe. Being listed by `ffmpeg -encoders` proves nothing (static
 * builds list it on machines without the hardware, and H100/H200/A100 have no NVENC engine at all), so
 * the probe encodes one frame; its reason names the GPU when it can (e.g. "no NVENC engine on NVIDIA H200").
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { FfmpegProbe } from "./locate.js";
import { vbvFor } from "./bound.js";
import type { EncoderOptions } from "./types.js";
import { inputArgs, outputArgs } from "./x264.js";

/** Data-centre GPUs without an NVENC engine (a supported configuration: libx264 takes over). */
const NO_NVENC = /\b(A100|A800|A30|H100|H800|H200|H20|GH200)\b/;

/** NVIDIA GPU model names from the driver's /proc entries (no process started); [] without the driver. */
export function nvidiaGpuNames(procDir = "/proc/driver/nvidia/gpus"): string[] {
  try {
    return readdirSync(procDir).flatMap((bus) => {
      const m = /^Model:\s*(.+)$/m.exec(readFileSync(`${procDir}/${bus}/information`, "utf8"));
      return m ? [m[1]!.trim()] : [];
    });
  } catch {
    return [];
  }
}

/** Why this machine cannot have NVENC, from the GPU model alone, or null when it might. */
export function knownNoNvenc(gpus: readonly string[]): string | null {
  if (gpus.length === 0) return "no NVIDIA GPU (driver not loaded)";
  const without = gpus.filter((g) => NO_NVENC.test(g));
  return without.length === gpus.length ? `no NVENC engine on ${without[0]}` : null;
}

/** ffmpeg >= 4.4 knows the SDK 10 presets (p1..p7, tune ull); older ones only the legacy "llhp". */
function modernPresets(version: string): boolean {
  const m = /ffmpeg version n?(\d+)\.(\d+)/.exec(version);
  return m === null || Number(m[1]) > 4 || (Number(m[1]) === 4 && Number(m[2]) >= 4);
}

/**
 * Low-latency h264_nvenc options: fastest preset, ultra-low-latency tune, no B-frames, no lookahead delay;
 * a VBV buffer bounds one frame's size, `coarser` > 0 re-encodes an oversize one (encode/bound.ts).
 */
export function nvencCodecArgs(profile: EncoderOptions["profile"], ffmpegVersion: string, coarser = 0): string[] {
  const vbv = vbvFor(coarser, false);
  const preset = modernPresets(ffmpegVersion) ? ["-preset", "p1", "-tune", "ull"] : ["-preset", "llhp"];
  return [
    "-c:v",
    "h264_nvenc",
    ...preset,
    "-zerolatency",
    "1",
    "-delay",
    "0",
    "-bf",
    "0",
    "-rc",
    "vbr",
    "-cq",
    String(Math.min(51, 26 + vbv.crfAdd)),
    ...["-maxrate", String(vbv.maxrate), "-bufsize", String(vbv.bufsize)],
    "-profile:v",
    profile,
    "-g",
    "600",
    "-forced-idr",
    "1",
  ];
}

/** Full ffmpeg argument list (same framing and frame-1 IDR contract as x264Args). */
export function nvencArgs(
  opts: Pick<EncoderOptions, "width" | "height" | "pixelFormat" | "profile">,
  ffmpegVersion: string,
  coarser = 0,
): string[] {
  const convert = opts.pixelFormat === "rgba" ? ["-vf", "scale=out_color_matrix=bt709:out_range=tv,format=nv12"] : [];
  return [
    ...inputArgs(opts),
    "-an",
    ...convert,
    ...nvencCodecArgs(opts.profile, ffmpegVersion, coarser),
    "-force_key_frames",
    "expr:eq(n,1)",
    ...outputArgs(ffmpegVersion),
  ];
}

/** Encode one 256x256 NV12 frame with the real arguments; resolves null when it works, else why not. */
export function trialEncode(probe: FfmpegProbe, timeoutMs = 15_000): Promise<string | null> {
  const w = 256;
  const h = 256;
  const args = nvencArgs({ width: w, height: h, pixelFormat: "nv12", profile: "high" }, probe.version);
  // Same arguments, but a null muxer: the probe only asks whether a session opens and encodes.
  args.splice(args.length - 5, 5, "-f", "null", "-");
  return new Promise((resolve) => {
    const child = spawn(probe.path, args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve(`trial encode could not start ffmpeg: ${err.message}`);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(null);
      const line = stderr.trim().split("\n").filter(Boolean).pop() ?? `exit ${code ?? signal}`;
      resolve(`trial encode failed: ${line}`);
    });
    child.stdin.on("error", () => undefined); // EPIPE when ffmpeg fails before reading
    child.stdin.end(new Uint8Array((w * h * 3) / 2).fill(128));
  });
}

/** The reason h264_nvenc cannot be used here, or null when a one-frame trial encode worked. */
export async function verifyNvenc(
  probe: FfmpegProbe,
  gpus: readonly string[] = nvidiaGpuNames(),
  driverDevice = "/dev/nvidiactl",
): Promise<string | null> {
  const hardware = knownNoNvenc(gpus);
  if (!probe.encoders.h264_nvenc) {
    const why = `not in ffmpeg at ${probe.path} (npm static builds lack it; use a system ffmpeg built with nvenc)`;
    return hardware ? `${hardware}; h264_nvenc ${why}` : `h264_nvenc ${why}`;
  }
  // No driver at all (no GPU listed and no control device): a trial cannot work, and it would delay the
  // first frame of every (re)started daemon by an ffmpeg run.
  if (gpus.length === 0 && !existsSync(driverDevice)) return `${hardware} (no ${driverDevice})`;
  // Trust the trial, never a model list alone: run it even on a GPU we believe has no engine.
  const trial = await trialEncode(probe);
  if (trial === null) return null;
  return hardware ? `${hardware} (${trial})` : trial;
}
