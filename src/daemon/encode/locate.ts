/** Finding the ffmpeg binary and asking it which H.264 encoders it has. */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, delimiter, dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NapariCudaError } from "../../protocol/errors.js";

export const FFMPEG_ENV = "NAPARI_CUDA_FFMPEG";
/**
 * imageio-ffmpeg's binary as the kernel sees it (set by napari_cuda's child_env): a candidate like the
 * others, not a forced choice. It covers an imageio-ffmpeg outside the site-packages that holds the bundle.
 */
export const IMAGEIO_FFMPEG_ENV = "NAPARI_CUDA_IMAGEIO_FFMPEG";

/** env: NAPARI_CUDA_FFMPEG; path: $PATH; npm / imageio: this package's own install (see ffmpegCandidates). */
export type FfmpegSource = "env" | "path" | "npm" | "imageio";

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

const EXE = process.platform === "win32" ? "ffmpeg.exe" : "ffmpeg";

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
    // An empty or relative entry means (a folder under) the working directory, which may be a
    // shared project folder: never run a binary from there implicitly.
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, EXE);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/**
 * The node_modules of this package only: next to the bundle (its folder has its own package.json), or,
 * running from sources, of the napari-cuda checkout that holds them (the nearest package.json above, if
 * it names napari-cuda). Never another folder's node_modules further up.
 */
function fromNpm(moduleDir: string): string | null {
  let root: string | null = null;
  for (let d = moduleDir; root === null && dirname(d) !== d; d = dirname(d)) {
    if (!existsSync(join(d, "package.json"))) continue;
    if (d !== moduleDir && packageName(join(d, "package.json")) !== OWN_PACKAGE) return null;
    root = d;
  }
  const candidate = root === null ? null : join(root, "node_modules", ffmpegNpmPackage(), EXE);
  return candidate !== null && isExecutableFile(candidate) ? candidate : null;
}

const OWN_PACKAGE = "napari-cuda";

function packageName(manifest: string): string | null {
  try {
    const name = (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name;
    return typeof name === "string" ? name : null;
  } catch {
    return null;
  }
}

/**
 * imageio-ffmpeg installed next to napari_cuda (same site-packages): the bundle runs from
 * <site-packages>/napari_cuda/_daemon/, imageio-ffmpeg keeps its binary in
 * <site-packages>/imageio_ffmpeg/binaries/ffmpeg-<platform>-<version>.
 */
function fromImageio(moduleDir: string): string | null {
  if (basename(moduleDir) !== "_daemon" || basename(dirname(moduleDir)) !== "napari_cuda") return null;
  const binaries = join(dirname(dirname(moduleDir)), "imageio_ffmpeg", "binaries");
  let names: string[];
  try {
    names = readdirSync(binaries).filter((n) => n.startsWith("ffmpeg"));
  } catch {
    return null;
  }
  const found = names.sort().find((n) => isExecutableFile(join(binaries, n)));
  return found === undefined ? null : join(binaries, found);
}

/**
 * The ffmpeg binaries napari-cuda may use, in this order:
 * 1. `$NAPARI_CUDA_FFMPEG` alone: must name an executable file, else NapariCudaError("encoder_unavailable")
 *    naming the variable (an explicit choice that is wrong is an error, never silently replaced);
 * 2. `ffmpeg` in an absolute `$PATH` entry;
 * 3. this package's own install: the npm package `@ffmpeg-installer/<platform>-<arch>` in node_modules next
 *    to the bundle or in the napari-cuda checkout that holds these sources;
 * 4. imageio-ffmpeg in the Python environment (site-packages) that holds the daemon bundle (a wheel), else
 *    the one `$NAPARI_CUDA_IMAGEIO_FFMPEG` names (an absolute path; the kernel sets it).
 * Never the working directory or its parents: the kernel may run in a folder other users can write.
 * The same binary (by real path) is listed once. `moduleUrl` (tests): where this module is, default
 * import.meta.url. chooseFfmpeg (select.ts) picks one by what its encoders can do here.
 */
export function ffmpegCandidates(
  env: NodeJS.ProcessEnv = process.env,
  opts: { moduleUrl?: string } = {},
): LocatedFfmpeg[] {
  const explicit = env[FFMPEG_ENV];
  if (explicit !== undefined && explicit !== "") {
    if (!isExecutableFile(explicit)) {
      throw new NapariCudaError(
        "encoder_unavailable",
        `${FFMPEG_ENV}=${explicit} is not an executable file; point it at an ffmpeg binary or unset it`,
        { path: FFMPEG_ENV },
      );
    }
    return [{ path: explicit, source: "env" }];
  }
  const moduleDir = dirname(fileURLToPath(opts.moduleUrl ?? import.meta.url));
  const hinted = env[IMAGEIO_FFMPEG_ENV];
  const found: [string | null, FfmpegSource][] = [
    [fromPath(env.PATH), "path"],
    [fromNpm(moduleDir), "npm"],
    [fromImageio(moduleDir) ?? (hinted && isAbsolute(hinted) && isExecutableFile(hinted) ? hinted : null), "imageio"],
  ];
  const seen = new Set<string>();
  const out: LocatedFfmpeg[] = [];
  for (const [path, source] of found) {
    if (path === null || seen.has(realOrSelf(path))) continue;
    seen.add(realOrSelf(path));
    out.push({ path, source });
  }
  return out;
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The first of ffmpegCandidates(), or null when there is none (it throws as that does). */
export function locateFfmpeg(
  env: NodeJS.ProcessEnv = process.env,
  opts: { moduleUrl?: string } = {},
): LocatedFfmpeg | null {
  return ffmpegCandidates(env, opts)[0] ?? null;
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
