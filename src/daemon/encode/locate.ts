/** Finding the ffmpeg binary and asking it which H.264 encoders it has. */
import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { NapariCudaError } from "../../protocol/errors.js";

export const FFMPEG_ENV = "NAPARI_CUDA_FFMPEG";

export type FfmpegSource = "env" | "path" | "npm";

export interface LocatedFfmpeg {
  path: string;
  source: FfmpegSource;
}

export interface FfmpegProbe {
  path: string;
  /** First line of `ffmpeg -version`, e.g. "ffmpeg version 4.1 ...". */
  version: string;
  /** Which H.264 encoders `ffmpeg -encoders` lists (listed is not proof that the hardware exists). */
  encoders: { libx264: boolean; h264_nvenc: boolean };
}

/** npm package that ships a static ffmpeg inside its tarball (no download at install time). */
export function ffmpegNpmPackage(platform: string = process.platform, arch: string = process.arch): string {
  return `@ffmpeg-installer/${platform}-${arch}`;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fromPath(pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    // An empty PATH entry means the working directory: never pick a binary from there implicitly.
    if (!dir) continue;
    const candidate = join(dir, process.platform === "win32" ? "ffmpeg.exe" : "ffmpeg");
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function fromNpm(bases: readonly string[]): string | null {
  const pkg = ffmpegNpmPackage();
  for (const base of bases) {
    try {
      const manifest = createRequire(base).resolve(`${pkg}/package.json`);
      const candidate = join(dirname(manifest), process.platform === "win32" ? "ffmpeg.exe" : "ffmpeg");
      if (isExecutableFile(candidate)) return candidate;
    } catch {
      // not installed next to this base: try the next one
    }
  }
  return null;
}

/**
 * Find ffmpeg; the first of these wins:
 * 1. `$NAPARI_CUDA_FFMPEG`: must name an executable file, else NapariCudaError("encoder_unavailable") naming
 *    the variable (an explicit choice that is wrong is an error, never silently replaced);
 * 2. `ffmpeg` on `$PATH`;
 * 3. the npm package `@ffmpeg-installer/<platform>-<arch>` (linux-x64 here), resolved from this module's
 *    location and then from `process.cwd()` (the daemon may run as a single-file bundle with no node_modules
 *    next to it).
 * Returns null when none is found.
 */
export function locateFfmpeg(
  env: NodeJS.ProcessEnv = process.env,
  opts: { cwd?: string; moduleUrl?: string } = {},
): LocatedFfmpeg | null {
  const explicit = env[FFMPEG_ENV];
  if (explicit !== undefined && explicit !== "") {
    if (!isExecutableFile(explicit)) {
      throw new NapariCudaError(
        "encoder_unavailable",
        `${FFMPEG_ENV}=${explicit} is not an executable file; point it at an ffmpeg binary or unset it`,
        { path: FFMPEG_ENV },
      );
    }
    return { path: explicit, source: "env" };
  }
  const onPath = fromPath(env.PATH);
  if (onPath) return { path: onPath, source: "path" };
  const fromCwd = join(opts.cwd ?? process.cwd(), "noop.js");
  const npm = fromNpm([opts.moduleUrl ?? import.meta.url, fromCwd]);
  return npm ? { path: npm, source: "npm" } : null;
}

function run(path: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { timeout: 10_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "not found" : code === "EACCES" ? "not executable" : stderr.trim() || err.message;
      reject(new NapariCudaError("encoder_unavailable", `ffmpeg at ${path} failed: ${why}`, { cause: err }));
    });
  });
}

/** Encoder names from `ffmpeg -encoders` output (lines like " V..... libx264  description"). */
export function parseEncoderList(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^\s*[VAS][.A-Z]{5}\s+(\w[\w-]*)\s/gm)) names.add(m[1]!);
  return names;
}

const probes = new Map<string, Promise<FfmpegProbe>>();

/** Run `ffmpeg -hide_banner -encoders` (and `-version`) once per path; rejects with encoder_unavailable. */
export function probeFfmpeg(path: string): Promise<FfmpegProbe> {
  let probe = probes.get(path);
  if (!probe) {
    probe = Promise.all([run(path, ["-hide_banner", "-encoders"]), run(path, ["-hide_banner", "-version"])]).then(
      ([list, version]) => {
        const names = parseEncoderList(list);
        if (names.size === 0) throw new NapariCudaError("encoder_unavailable", `ffmpeg at ${path} lists no encoders`);
        return {
          path,
          version: version.split("\n")[0]!.trim(),
          encoders: { libx264: names.has("libx264"), h264_nvenc: names.has("h264_nvenc") },
        };
      },
    );
    probes.set(path, probe);
    // A failed probe is not cached: the binary may be fixed while the daemon runs.
    probe.catch(() => probes.delete(path));
  }
  return probe;
}
