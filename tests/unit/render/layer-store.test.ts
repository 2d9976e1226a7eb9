import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLayerData, layerNbytes } from "../../../src/daemon/data/layer-store.js";
import { DEFAULT_MAX_DATA_BYTES, maxDataBytesFromEnv, ViewerStore } from "../../../src/daemon/data/viewer-store.js";
import { isNapariCudaError } from "../../../src/protocol/index.js";

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe("createLayerData", () => {
  it("copies little-endian bytes into a SharedArrayBuffer view of the dtype", () => {
    const src = new Float32Array([1.5, NaN, -2, 3]);
    const bytes = bytesOf(src);
    const d = createLayerData("a", "float32", [2, 2], bytes);
    assert.ok(d.data instanceof Float32Array);
    assert.ok(d.data.buffer instanceof SharedArrayBuffer);
    assert.deepEqual([...d.data], [1.5, NaN, -2, 3]);
    bytes.fill(0);
    assert.equal(d.data[0], 1.5, "the store holds a copy");
    assert.deepEqual(d.shape, [2, 2]);
    const i16 = createLayerData("b", "int16", [1, 3], new Uint8Array([0xff, 0xff, 0x00, 0x80, 0x01, 0x00]));
    assert.deepEqual([...i16.data], [-1, -32768, 1]);
  });

  it("names dtype, shape and byte count when they do not match", () => {
    assert.throws(
      () => createLayerData("a", "uint16", [3, 4], new Uint8Array(23)),
      (e) =>
        isNapariCudaError(e, "invalid_data") &&
        e.path === "nbytes" &&
        /uint16/.test(e.message) &&
        /3, 4/.test(e.message) &&
        /24/.test(e.message) &&
        /23/.test(e.message),
    );
  });

  it("rejects bad dtypes and shapes", () => {
    assert.throws(
      () => layerNbytes("complex64", [2, 2]),
      (e) => isNapariCudaError(e, "invalid_data") && e.path === "dtype",
    );
    for (const shape of [[5], [2, 0], [2, 1.5], [2, -1], new Array<number>(33).fill(1)]) {
      assert.throws(
        () => layerNbytes("uint8", shape),
        (e) => isNapariCudaError(e, "invalid_data") && e.path === "shape",
        `shape ${shape.join("x")}`,
      );
    }
    assert.equal(layerNbytes("float64", [2, 3, 4]), 192);
  });
});

describe("ViewerStore", () => {
  it("stores layers per viewer and tracks the bytes", () => {
    const s = new ViewerStore(1000);
    assert.equal(s.layers("v").size, 0);
    s.setLayer("v", "a", "uint8", [10, 10], new Uint8Array(100));
    s.setLayer("v", "b", "uint16", [10, 10], new Uint8Array(200));
    s.setLayer("w", "a", "uint8", [5, 5], new Uint8Array(25));
    assert.equal(s.count, 2);
    assert.equal(s.totalBytes, 325);
    assert.deepEqual([...s.layers("v").keys()], ["a", "b"]);
    s.setLayer("v", "b", "uint8", [10, 10], new Uint8Array(100)); // replacing frees the old array
    assert.equal(s.totalBytes, 225);
    s.removeLayer("v", "a");
    assert.equal(s.totalBytes, 125);
    assert.equal(s.close("v"), true);
    assert.equal(s.close("v"), false);
    assert.equal(s.totalBytes, 25);
    assert.equal(s.count, 1);
    s.open("x");
    assert.equal(s.count, 2);
  });

  it("refuses data over the budget with too_large, before allocating", () => {
    const s = new ViewerStore(1000);
    s.setLayer("v", "a", "uint8", [20, 40], new Uint8Array(800));
    assert.throws(
      () => s.setLayer("v", "b", "uint8", [10, 30], new Uint8Array(0)),
      (e) => isNapariCudaError(e, "too_large"),
    );
    assert.equal(s.totalBytes, 800);
    s.setLayer("v", "a", "uint8", [20, 50], new Uint8Array(1000)); // a replacement may use the freed bytes
    assert.equal(s.totalBytes, 1000);
  });

  it("names unknown viewers and layers", () => {
    const s = new ViewerStore(1000);
    assert.throws(
      () => s.removeLayer("nope", "a"),
      (e) => isNapariCudaError(e, "unknown_viewer"),
    );
    s.open("v");
    assert.throws(
      () => s.removeLayer("v", "a"),
      (e) => isNapariCudaError(e, "unknown_layer"),
    );
  });

  it("reads its budget from NAPARI_CUDA_MAX_DATA_BYTES", () => {
    assert.equal(maxDataBytesFromEnv({}), DEFAULT_MAX_DATA_BYTES);
    assert.equal(DEFAULT_MAX_DATA_BYTES, 8 * 2 ** 30);
    assert.equal(maxDataBytesFromEnv({ NAPARI_CUDA_MAX_DATA_BYTES: "8589934592" }), 8 * 2 ** 30);
    assert.equal(maxDataBytesFromEnv({ NAPARI_CUDA_MAX_DATA_BYTES: "1048576" }), 2 ** 20);
    for (const bad of ["0", "-1", "1e9", "lots", "4096", String(2 ** 50 + 1)]) {
      assert.throws(
        () => maxDataBytesFromEnv({ NAPARI_CUDA_MAX_DATA_BYTES: bad }),
        (e) => isNapariCudaError(e) && e.path === "NAPARI_CUDA_MAX_DATA_BYTES",
      );
    }
  });
});
