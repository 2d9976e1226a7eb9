/**
 * The addon's argument checks (no GPU needed, only the built addon): doubles are range-checked before any
 * integer cast, element/byte counts cannot overflow, and every bad value is a TypeError or RangeError naming
 * the argument. Skips with the reason where the addon is not built.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { frameJob } from "../../src/daemon/render/gpu/job.js";
import {
  loadAddon,
  type NativeFrameJob,
  type NativeGpuContext,
  type NativeLayerJob,
} from "../../src/daemon/render/gpu/native.js";
import type { LayerState } from "../../src/protocol/index.js";
import { layer, layerData, request } from "../unit/render/helpers.js";

const loaded = loadAddon();
const skip = loaded.addon ? false : `native addon not built: ${loaded.reason}`;
const ctx: NativeGpuContext | null = loaded.addon
  ? new loaded.addon.GpuContext({ device: 0, textureBudgetBytes: 1 << 20 })
  : null;
after(() => ctx?.close());

/** A valid job (one uint16 layer, folded table) with `over` applied to its layer. */
function job(
  over: Partial<Record<keyof NativeLayerJob, unknown>> = {},
  frame: Partial<NativeFrameJob> = {},
): NativeFrameJob {
  const img = layerData("a", "uint16", [8, 8], (i) => i);
  const base = frameJob(request([[layer("a"), img]], { width: 16, height: 12, center: [4, 4] }), {
    rgba: true,
    nv12: false,
  });
  return { ...base, ...frame, layers: [{ ...base.layers[0]!, ...over } as NativeLayerJob] };
}

async function rejects(j: unknown, type: typeof RangeError | typeof TypeError, name: RegExp): Promise<void> {
  await assert.rejects(ctx!.render(j as NativeFrameJob), (err: Error) => {
    assert.ok(err instanceof type, `${err.name}: ${err.message} (wanted ${type.name})`);
    assert.match(err.message, name);
    return true;
  });
}

describe("native addon argument checks", { skip }, () => {
  it("NaN, Infinity, fractions and out-of-range integers are RangeErrors naming the argument", async () => {
    await rejects(job({}, { width: NaN }), RangeError, /^width must be an integer in 1\.\.16384, got NaN/);
    await rejects(job({}, { height: Infinity }), RangeError, /^height /);
    await rejects(job({}, { width: 2 ** 40 }), RangeError, /^width /);
    await rejects(job({ nx: NaN }), RangeError, /^nx /);
    await rejects(job({ ny: -1 }), RangeError, /^ny /);
    await rejects(job({ nx: 2 ** 31 }), RangeError, /^nx /);
    await rejects(job({ dtype: 2.5 }), RangeError, /^dtype /);
    await rejects(job({ blend: 7 }), RangeError, /^blend /);
    await rejects(job({ planeOffset: -Infinity }), RangeError, /^planeOffset /);
    await rejects(job({ planeOffset: 2 ** 60 }), RangeError, /^planeOffset /);
    await rejects(job({ x1: 17 }), RangeError, /^x1 /);
    await rejects(job({ lutOffset: 2 ** 31 }), RangeError, /^lutOffset /);
    await rejects(job({ generation: -1 }), RangeError, /^generation /);
    await rejects(job({ gamma: NaN }), RangeError, /^gamma must be finite/);
    await rejects(job({ mode: 1, nz: Infinity, params: new Float64Array(30) }), RangeError, /^nz /);
  });

  it("wrong types are TypeErrors naming the argument", async () => {
    await rejects(job({ nx: "8" }), TypeError, /^nx must be a number/);
    await rejects(job({ data: [1, 2, 3] }), TypeError, /^layer data must be a typed array/);
    await rejects({ ...job(), layers: [5] }, TypeError, /^layers\[0\] must be an object/);
  });

  it("nx*ny*nz that overflows 64 bits is a RangeError, never a wrapped size", async () => {
    const big = 2 ** 31 - 1;
    await rejects(
      job({ mode: 1, nx: big, ny: big, nz: big, params: new Float64Array(30), cols: new Uint8Array(0) }),
      RangeError,
      /^nx\*ny\*nz overflows/,
    );
    await rejects(job({ nx: big, ny: big }), RangeError, /^layer plane lies outside its data/);
    // 3 * (2^31 - 1)^2 elements fit 64 bits, their bytes (x2) do not.
    const params = new Float64Array(30);
    await rejects(job({ mode: 1, nx: big, ny: big, nz: 3, params }), RangeError, /^layer byte size overflows/);
  });

  it("folded tables must cover every value of the dtype (the shader indexes lut[value + lutOffset])", async () => {
    await rejects(job({ lut: new Uint32Array(256) }), RangeError, /^folded lut needs 65536 entries and lutOffset 0/);
    await rejects(job({ lutOffset: 3 }), RangeError, /^folded lut needs/);
  });

  it("labels: tables, contour taps and modes are checked (the shader indexes lut and taps by them)", async () => {
    const data = layerData("l", "int32", [8, 8], (i) => i % 5);
    const labels = (over: Partial<LayerState>) =>
      frameJob(request([[layer("l", { kind: "labels", ...over }), data]], { width: 16, height: 12, center: [4, 4] }), {
        rgba: true,
        nv12: false,
      }).layers[0]!;
    const with_ = (l: NativeLayerJob, over: Partial<Record<keyof NativeLayerJob, unknown>>) => ({
      ...job(),
      layers: [{ ...l, ...over }],
    });
    const rule = labels({ contour: 2 });
    await rejects(with_(rule, { lut: new Uint32Array(1) }), RangeError, /^label rows lut needs 2\.\.65536 entries/);
    await rejects(with_(rule, { contour: 1 }), RangeError, /^cols must be 288 bytes/);
    await rejects(with_(rule, { contour: 2000 }), RangeError, /^contour /);
    await rejects(with_(rule, { linear: true }), RangeError, /^labels take neither linear nor folded/);
    await rejects(with_(rule, { labels: 3 }), RangeError, /^labels /);
    await rejects(with_(rule, { selectedLabel: 2 ** 60 }), RangeError, /^selectedLabel /);
    await rejects(
      with_(rule, { labels: 1, lut: new Uint32Array(65536) }),
      RangeError,
      /^folded labels need 8\/16-bit data/,
    );
    await rejects(
      job({ folded: false, labels: 1, lutOffset: 1 }),
      RangeError,
      /^folded label lut needs 65536 entries and lutOffset 0/,
    );
    await rejects(
      job({ mode: 8, nz: 1, params: new Float64Array(30) }),
      RangeError,
      /^3D labels layers \(and only they\)/,
    );
  });

  it("release() and the constructor check their numbers too", () => {
    assert.throws(
      () => ctx!.release(NaN, false),
      (e: Error) => e instanceof RangeError && /^slot /.test(e.message),
    );
    assert.throws(() => ctx!.release(1.5, true), RangeError);
    ctx!.release(-1, false); // "no slot": ignored
    const Ctor = loaded.addon!.GpuContext;
    assert.throws(
      () => new Ctor({ device: NaN }),
      (e: Error) => e instanceof RangeError && /^device /.test(e.message),
    );
    assert.throws(() => new Ctor({ textureBudgetBytes: -1 }), /^RangeError: textureBudgetBytes /);
  });

  it("a valid job is accepted (rendered with a GPU, else rejected by the render thread, not the checks)", async () => {
    try {
      const frame = await ctx!.render(job());
      assert.equal(frame.width, 16);
      if (frame.rgbaSlot !== undefined) ctx!.release(frame.rgbaSlot, false);
    } catch (err) {
      assert.ok(!(err instanceof RangeError) && !(err instanceof TypeError), String(err));
      assert.match((err as Error).message, /GPU context unavailable/);
    }
  });
});
