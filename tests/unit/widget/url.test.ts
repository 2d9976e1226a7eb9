import assert from "node:assert/strict";
import { test } from "node:test";
import { basePath, COMM_URL, isLocalHostname, streamUrls, type PageLocation } from "../../../src/widget/stream/url.js";

function loc(href: string): PageLocation {
  const u = new URL(href);
  return { protocol: u.protocol, host: u.host, hostname: u.hostname, href: u.href };
}

test("base path: relative and absolute base URLs, trailing slash added", () => {
  assert.equal(basePath("/", "http://h:8888/lab"), "/");
  assert.equal(basePath("", "http://h:8888/lab"), "/");
  assert.equal(basePath("/user/alice/", "http://h/user/alice/lab"), "/user/alice/");
  assert.equal(basePath("/user/alice", "http://h/user/alice/lab"), "/user/alice/");
  // PageConfig.getBaseUrl() returns an absolute URL in the browser.
  assert.equal(
    basePath("https://hub.example.org/user/alice/", "https://hub.example.org/user/alice/lab"),
    "/user/alice/",
  );
});

test("remote https hub: wss through the proxy, then the kernel's comm relay", () => {
  const urls = streamUrls(loc("https://hub.example.org/user/alice/lab/tree/x.ipynb"), "/user/alice/", 41234);
  assert.deepEqual(urls, [
    { url: "wss://hub.example.org/user/alice/proxy/127.0.0.1:41234/stream", transport: "proxy" },
    { url: COMM_URL, transport: "comm" },
  ]);
});

test("local http page: ws proxy first, then direct loopback, then the comm relay", () => {
  const urls = streamUrls(loc("http://localhost:8888/lab"), "http://localhost:8888/", 5000);
  assert.deepEqual(urls, [
    { url: "ws://localhost:8888/proxy/127.0.0.1:5000/stream", transport: "proxy" },
    { url: "ws://127.0.0.1:5000/stream", transport: "direct" },
    { url: COMM_URL, transport: "comm" },
  ]);
  const ip = streamUrls(loc("http://127.0.0.1:9999/base/lab"), "/base/", 6000);
  assert.equal(ip[0]!.url, "ws://127.0.0.1:9999/base/proxy/127.0.0.1:6000/stream");
  assert.equal(ip[1]!.url, "ws://127.0.0.1:6000/stream");
});

test("the proxy route names 127.0.0.1: jupyter-server-proxy never resolves localhost (it may be ::1)", () => {
  for (const href of ["http://localhost:8888/lab", "https://hub.example.org/user/a/lab", "http://[::1]:8888/lab"]) {
    for (const mode of ["auto", "proxy"] as const) {
      const proxy = streamUrls(loc(href), "/", 40000, mode).find((u) => u.transport === "proxy");
      assert.ok(proxy !== undefined, `${href} ${mode}: a proxy route`);
      const path = new URL(proxy.url).pathname;
      assert.match(path, /\/proxy\/127\.0\.0\.1:40000\/stream$/, `${href} ${mode}: ${path}`);
      assert.doesNotMatch(path, /\/proxy\/40000\//);
    }
  }
});

test("local hostnames and port validation", () => {
  assert.ok(isLocalHostname("LOCALHOST"));
  assert.ok(isLocalHostname("[::1]"));
  assert.ok(!isLocalHostname("10.0.0.5"));
  assert.throws(() => streamUrls(loc("http://localhost/"), "/", 0), RangeError);
  assert.throws(() => streamUrls(loc("http://localhost/"), "/", 70000), RangeError);
  assert.throws(() => streamUrls(loc("http://localhost/"), "/", 1.5), RangeError);
});

test("NAPARI_CUDA_CONNECT modes pick the routes", () => {
  const lan: PageLocation = {
    protocol: "http:",
    host: "10.0.0.5:8888",
    hostname: "10.0.0.5",
    href: "http://10.0.0.5:8888/lab",
  };
  assert.deepEqual(
    streamUrls(lan, "/", 4000, "direct").map((u) => u.transport),
    ["direct"],
  );
  assert.deepEqual(
    streamUrls(lan, "/", 4000, "proxy").map((u) => u.transport),
    ["proxy"],
  );
  assert.deepEqual(
    streamUrls(lan, "/", 4000).map((u) => u.transport),
    ["proxy", "comm"],
  );
});

test("a forced transport is the only candidate (NAPARI_CUDA_TRANSPORT)", () => {
  const page = loc("http://localhost:8888/lab");
  assert.deepEqual(
    streamUrls(page, "/", 5000, "comm").map((u) => u.transport),
    ["comm"],
  );
  assert.deepEqual(
    streamUrls(page, "/", 5000, "proxy").map((u) => u.transport),
    ["proxy"],
  );
  assert.deepEqual(
    streamUrls(loc("https://hub.example.org/lab"), "/", 5000, "direct").map((u) => u.transport),
    ["direct"],
  );
});
