/** GET /metrics on a real daemon: token rules, Prometheus text, and the helpers' series. */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { DaemonMetrics, getMetrics } from "../../../src/daemon/metrics/index.js";
import { startTestDaemon, TOKENS, type TestDaemon } from "../daemon/helpers.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

const NAMES = [
  "napari_cuda_ms_auto_switches",
  "napari_cuda_ms_switch_dwell_ms",
  "napari_cuda_render_ms",
  "napari_cuda_encode_ms",
  "napari_cuda_frame_total_ms",
  "napari_cuda_chunks_loaded_total",
  "napari_cuda_chunk_cache_bytes",
  "process_cpu_seconds_total",
  "process_resident_memory_bytes",
  "nodejs_eventloop_lag_seconds",
];

describe("GET /metrics on a running daemon", () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon();
  });
  after(async () => {
    await t.daemon.close();
  });

  it("is 401 without a token or with a wrong one", async () => {
    for (const [path, headers] of [
      ["/metrics", {}],
      ["/metrics?token=nope", {}],
      ["/metrics", { authorization: "Bearer nope" }],
      ["/metrics", { authorization: `Basic ${TOKENS.control}` }],
      // Tokens in URLs are refused (they land in logs and history), even right ones, even beside a right header.
      [`/metrics?token=${TOKENS.view}`, { authorization: "Bearer nope" }],
      [`/metrics?token=${TOKENS.view}`, {}],
      [`/metrics?token=${TOKENS.control}`, {}],
      [`/metrics?token=${TOKENS.control}`, { authorization: `Bearer ${TOKENS.control}` }],
    ] as Array<[string, Record<string, string>]>) {
      const r = await get(t.daemon.port, path, headers);
      assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.equal(r.headers["www-authenticate"], 'Bearer realm="napari-cuda"');
      assert.doesNotMatch(r.body, /napari_cuda_/);
    }
  });

  it("serves Prometheus text for the control or the view token as a Bearer header", async () => {
    getMetrics().switched(320, "coarser");
    getMetrics().observeFrame({ backend: "cpu", encoder: "libx264", renderMs: 3, encodeMs: 6, totalMs: 10 });
    for (const [path, headers] of [
      ["/metrics", { authorization: `Bearer ${TOKENS.control}` }],
      ["/metrics", { authorization: `bearer ${TOKENS.view}` }],
    ] as Array<[string, Record<string, string>]>) {
      const r = await get(t.daemon.port, path, headers);
      assert.equal(r.status, 200, path);
      assert.match(String(r.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
      assert.equal(r.headers["cache-control"], "no-store");
      for (const name of NAMES) assert.match(r.body, new RegExp(`^# TYPE ${name} `, "m"), name);
      assert.match(r.body, /^napari_cuda_ms_auto_switches\{direction="coarser"\} [1-9]/m);
      assert.match(r.body, /^napari_cuda_render_ms_count\{backend="cpu"\} [1-9]/m);
    }
  });

  it("answers other methods with 405", async () => {
    const r = await get(t.daemon.port, "/metrics", { authorization: `Bearer ${TOKENS.control}` }, "POST");
    assert.equal(r.status, 405);
    assert.equal((await get(t.daemon.port, "/healthz")).status, 200);
  });
});

describe("DaemonMetrics helpers", () => {
  it("record frames, switches and chunks in their series", async () => {
    const m = new DaemonMetrics();
    m.observeFrame({ backend: "gpu", encoder: "h264_nvenc", renderMs: 1.5, encodeMs: 2.5, totalMs: 5 });
    m.observeFrame({ backend: "gpu", encoder: "h264_nvenc", renderMs: 0.4, encodeMs: 2, totalMs: 3 });
    m.switched(300, "finer");
    m.switched(700, "finer");
    m.chunksLoadedAdd(3, 3 * 4096);
    let cached = 12_000;
    const untrack = m.trackChunkCache(() => cached);
    m.trackChunkCache(() => 345);
    const { body, contentType } = await m.expose();
    assert.match(contentType, /^text\/plain/);
    const line = (re: RegExp): string => (body.match(re) ?? [""])[0];
    assert.equal(
      line(/^napari_cuda_render_ms_count\{backend="gpu"\} .*$/m),
      'napari_cuda_render_ms_count{backend="gpu"} 2',
    );
    assert.equal(
      line(/^napari_cuda_render_ms_bucket\{le="0.5",backend="gpu"\} .*$/m),
      'napari_cuda_render_ms_bucket{le="0.5",backend="gpu"} 1',
    );
    assert.equal(
      line(/^napari_cuda_encode_ms_sum\{encoder="h264_nvenc"\} .*$/m),
      'napari_cuda_encode_ms_sum{encoder="h264_nvenc"} 4.5',
    );
    assert.match(body, /^napari_cuda_frame_total_ms_count\{backend="gpu",encoder="h264_nvenc"\} 2$/m);
    assert.match(body, /^napari_cuda_ms_auto_switches\{direction="finer"\} 2$/m);
    assert.match(body, /^napari_cuda_ms_switch_dwell_ms_bucket\{le="300"\} 1$/m);
    assert.match(body, /^napari_cuda_ms_switch_dwell_ms_sum 1000$/m);
    assert.match(body, /^napari_cuda_chunks_loaded_total 3$/m);
    assert.match(body, /^napari_cuda_chunk_bytes_loaded_total 12288$/m);
    assert.match(body, /^napari_cuda_chunk_cache_bytes 12345$/m);
    cached = 20_000; // read again at the next scrape
    assert.match((await m.expose()).body, /^napari_cuda_chunk_cache_bytes 20345$/m);
    untrack();
    assert.match((await m.expose()).body, /^napari_cuda_chunk_cache_bytes 345$/m);
    // Without defaultMetrics the registry holds only the daemon's own series.
    assert.doesNotMatch(body, /process_cpu_seconds_total/);
  });
});
