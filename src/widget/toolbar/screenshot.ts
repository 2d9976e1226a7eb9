/**
 * The screenshot button's round trip: ask the kernel ({type: "screenshot", id}), wait for its reply
 * ({type: "screenshot", id, ok, error?} with the PNG bytes as the first buffer) or a timeout, then
 * hand the browser the file. One request at a time; timers injectable for tests.
 */
import { realTimers, type Timers } from "../util/timers.js";

export const SCREENSHOT_TIMEOUT_MS = 30_000;

export type ScreenshotResult = { ok: true; png: Uint8Array } | { ok: false; error: string };

/** "napari-cuda-2025-01-31-14-02-03.png" (local time), napari-like and sortable. */
export function screenshotName(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return `napari-cuda-${date}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}.png`;
}

/** The reply's result when `content` answers request `id`, else null (another view's, or not a screenshot). */
export function screenshotReply(
  content: Record<string, unknown>,
  buffers: readonly DataView[],
  id: string,
): ScreenshotResult | null {
  if (content["type"] !== "screenshot" || content["id"] !== id) return null;
  if (content["ok"] !== true) {
    const error = typeof content["error"] === "string" && content["error"] ? content["error"] : "unknown error";
    return { ok: false, error };
  }
  const b = buffers[0];
  if (b === undefined || b.byteLength === 0) return { ok: false, error: "the kernel sent no image" };
  return { ok: true, png: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
}

let nextId = 1;

export class ScreenshotRequests {
  private pending: { id: string; timer: unknown } | null = null;

  constructor(
    private readonly send: (msg: { type: string; id: string }) => void,
    private readonly done: (result: ScreenshotResult) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  get busy(): boolean {
    return this.pending !== null;
  }

  /** Ask for a screenshot; false while one is already on its way. */
  request(): boolean {
    if (this.pending !== null) return false;
    const id = `shot-${Date.now().toString(36)}-${nextId++}`;
    const timer = this.timers.setTimeout(
      () => this.finish({ ok: false, error: `no answer from the kernel in ${SCREENSHOT_TIMEOUT_MS / 1000} s` }),
      SCREENSHOT_TIMEOUT_MS,
    );
    this.pending = { id, timer };
    this.send({ type: "screenshot", id });
    return true;
  }

  /** A custom message from the kernel; true when it answered the pending request. */
  reply(content: Record<string, unknown>, buffers: readonly DataView[]): boolean {
    const result = this.pending === null ? null : screenshotReply(content, buffers, this.pending.id);
    if (result === null) return false;
    this.finish(result);
    return true;
  }

  dispose(): void {
    if (this.pending !== null) this.timers.clearTimeout(this.pending.timer);
    this.pending = null;
  }

  private finish(result: ScreenshotResult): void {
    if (this.pending === null) return;
    this.timers.clearTimeout(this.pending.timer);
    this.pending = null;
    this.done(result);
  }
}

/** Let the browser save `png` as `name` (a Blob URL clicked through a download link, then revoked). */
export function downloadPng(doc: Document, png: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([png as BlobPart], { type: "image/png" }));
  const a = doc.createElement("a");
  a.href = url;
  a.download = name;
  a.style.display = "none";
  doc.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The download has its own reference by now; a later revoke only frees the Blob.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
