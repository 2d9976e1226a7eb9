/**
 * GPU renderer: the Renderer contract on the native addon (EGL + OpenGL compute shaders + CUDA capture).
 * render() builds the frame job here (job.ts), hands it to the addon's render thread and awaits its
 * completion: the event loop never waits for the GPU. Frames live in pinned host memory owned by the
 * addon; release() gives them back.
 *
 * Outputs: RGBA (the CPU renderer's format) by default; `output: "nv12"` delivers only the NV12 planes
 * (BT.709 limited range, for an ffmpeg reading -pix_fmt nv12), with `rgba` left empty; "both" gives both.
 * 3D: every rendering mode is ray cast on the GPU (job3d.ts), like the CPU ray caster (render3d.ts).
 * Errors: NapariCudaError "render_failed" (GPU error), "shutting_down" after dispose(); AbortError as the
 * CPU renderer (the GPU work still finishes).
 */
import { NapariCudaError } from "../../../protocol/index.js";
import type { RenderedFrame, RenderRequest, Renderer } from "../types.js";
import { abortError } from "../worker-pool.js";
import { frameJob } from "./job.js";
import { frameJob3d } from "./job3d.js";
import { loadAddon, type NativeDeviceInfo, type NativeGpuContext, type NativeStats } from "./native.js";

export type GpuOutput = "rgba" | "nv12" | "both";

export interface GpuRendererOptions {
  /** CUDA device index (the EGL device backing it is used). Default 0. */
  device?: number;
  /** Bytes of layer planes kept on the GPU. Default $NAPARI_CUDA_GPU_TEXTURE_BUDGET_MB MiB, else 4 GiB. */
  textureBudgetBytes?: number;
  output?: GpuOutput;
}

/** Outcome of probing the GPU backend: usable (with device info) or not (with the reason). */
export type GpuProbe = { ok: true; info: NativeDeviceInfo; addonPath: string } | { ok: false; reason: string };

const EMPTY = new Uint8Array(0);

function budgetFromEnv(env: NodeJS.ProcessEnv): number {
  const mb = Number(env.NAPARI_CUDA_GPU_TEXTURE_BUDGET_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : 4 * 1024 ** 3;
}

export class GpuRenderer implements Renderer {
  readonly name = "gpu";
  private disposed = false;
  /** Pinned slots of frames handed out, by their buffers. */
  private readonly slots = new WeakMap<Uint8Array, { slot: number; nv12: boolean }>();

  private constructor(
    private readonly ctx: NativeGpuContext,
    readonly info: NativeDeviceInfo,
    private readonly output: GpuOutput,
  ) {}

  /** Start the render thread and its contexts; rejects with NapariCudaError("unsupported") saying why not. */
  static async create(options: GpuRendererOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<GpuRenderer> {
    const loaded = loadAddon(env);
    if (!loaded.addon) throw new NapariCudaError("unsupported", loaded.reason);
    const ctx = new loaded.addon.GpuContext({
      device: options.device ?? 0,
      textureBudgetBytes: options.textureBudgetBytes ?? budgetFromEnv(env),
    });
    const info = await ctx.ready();
    if (!info.ok) {
      await ctx.close();
      throw new NapariCudaError("unsupported", `GPU backend unavailable: ${info.error}`);
    }
    return new GpuRenderer(ctx, info, options.output ?? "rgba");
  }

  /** One-line description for logs and viewer.info(), e.g. "NVIDIA H200 (EGL NVIDIA, OpenGL 4.5.0 ...)". */
  describe(): string {
    return `${this.info.cudaName} (EGL ${this.info.eglVendor}, OpenGL ${this.info.glVersion})`;
  }

  async render(req: RenderRequest, signal?: AbortSignal): Promise<RenderedFrame> {
    if (this.disposed) throw new NapariCudaError("shutting_down", "renderer disposed");
    if (signal?.aborted) throw abortError(signal);
    const t0 = performance.now();
    const want = { rgba: this.output !== "nv12", nv12: this.output !== "rgba" };
    const job = req.state.dims.ndisplay === 3 ? frameJob3d(req, want) : frameJob(req, want);
    const work = this.ctx.render(job).catch((err: Error) => {
      throw new NapariCudaError("render_failed", `GPU render failed: ${err.message}`, { cause: err });
    });
    const out = await (signal ? untilAborted(work, signal, (f) => this.releaseSlots(f.rgbaSlot, f.nv12Slot)) : work);
    const frame: RenderedFrame = {
      width: out.width,
      height: out.height,
      rgba: out.rgba ?? EMPTY,
      renderMs: performance.now() - t0,
      gpu: { uploadMs: out.uploadMs, drawMs: out.renderMs, captureMs: out.captureMs },
    };
    if (out.nv12) frame.nv12 = out.nv12;
    if (out.rgba && out.rgbaSlot !== undefined && out.rgbaSlot >= 0)
      this.slots.set(out.rgba, { slot: out.rgbaSlot, nv12: false });
    if (out.nv12 && out.nv12Slot !== undefined && out.nv12Slot >= 0)
      this.slots.set(out.nv12, { slot: out.nv12Slot, nv12: true });
    return frame;
  }

  release(frame: RenderedFrame): void {
    if (this.disposed) return;
    for (const buf of [frame.rgba, frame.nv12]) {
      const held = buf ? this.slots.get(buf) : undefined;
      if (held === undefined || !buf) continue;
      this.slots.delete(buf);
      this.ctx.release(held.slot, held.nv12);
    }
  }

  /** GPU memory, textures, registered CUDA resources and pinned buffers (tests check they stay flat). */
  stats(): Promise<NativeStats> {
    return this.ctx.stats();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.ctx.close();
    } catch {
      // dispose never throws
    }
  }

  private releaseSlots(rgbaSlot: number | undefined, nv12Slot: number | undefined): void {
    if (this.disposed) return;
    if (rgbaSlot !== undefined && rgbaSlot >= 0) this.ctx.release(rgbaSlot, false);
    if (nv12Slot !== undefined && nv12Slot >= 0) this.ctx.release(nv12Slot, true);
  }
}

/** Probe the GPU backend once: create a context, report its device or why it is unusable, close it. */
export async function probeGpu(env: NodeJS.ProcessEnv = process.env): Promise<GpuProbe> {
  const loaded = loadAddon(env);
  if (!loaded.addon) return { ok: false, reason: loaded.reason };
  const ctx = new loaded.addon.GpuContext({ device: 0, textureBudgetBytes: 1 << 20 });
  try {
    const info = await ctx.ready();
    return info.ok ? { ok: true, info, addonPath: loaded.path } : { ok: false, reason: info.error };
  } finally {
    await ctx.close();
  }
}

/** `work`, or an AbortError as soon as `signal` aborts; a result that arrives after that goes to `drop`. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, drop: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      reject(abortError(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work
      .then(
        (v) => (aborted ? drop(v) : resolve(v)),
        (e) => (aborted ? undefined : reject(e)),
      )
      .finally(() => signal.removeEventListener("abort", onAbort));
  });
}
