/**
 * The kernel process's identity (pid + start time) and a poll that notices when it is gone.
 *
 * A bare pid is not enough: after the kernel dies its pid can be given to an unrelated process,
 * and an orphan daemon would then run (holding a port, GPU memory and ffmpeg children) for as long
 * as that process lives. So the start time is recorded when the daemon starts, and a pid that is
 * alive with another start time counts as gone; so does a zombie (dead, not yet reaped).
 */
import { readFileSync } from "node:fs";
import { processAlive } from "./parent-watch.js";

export interface ParentIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks after boot) at start; 0 where there is no procfs. */
  startTime: number;
  /** The daemon is the parent's direct child: being reparented (ppid changed) means the parent died. */
  followPpid: boolean;
}

/** Start time of `pid` (/proc/<pid>/stat field 22); null if it is gone or a zombie; 0 without procfs. */
export function processStartTime(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    if (process.platform === "linux") return null;
    return processAlive(pid) ? 0 : null; // no procfs (macOS): existence is all we can check
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
  const fields = text
    .slice(text.lastIndexOf(")") + 1)
    .trim()
    .split(/\s+/);
  if (fields[0] === "Z" || fields[0] === "X") return null;
  const start = Number(fields[19]); // field 22; fields[0] is field 3
  return Number.isFinite(start) ? start : null;
}

/** The identity of `pid` now; startTime -1 if it is already gone (any later check then says gone). */
export function parentIdentity(pid: number, ppid: number = process.ppid): ParentIdentity {
  return { pid, startTime: processStartTime(pid) ?? -1, followPpid: ppid === pid };
}

/** Why the parent counts as gone, or null while it runs. `ppid`: the daemon's parent pid now. */
export function parentGone(parent: ParentIdentity, ppid: number = process.ppid): string | null {
  if (parent.followPpid && ppid !== parent.pid) return `parent process ${parent.pid} is gone (reparented)`;
  const now = processStartTime(parent.pid);
  if (now === null || parent.startTime < 0) return `parent process ${parent.pid} is gone`;
  if (parent.startTime !== 0 && now !== 0 && now !== parent.startTime) {
    return `parent process ${parent.pid} is gone (its pid now belongs to another process)`;
  }
  return null;
}

/** Poll `parent` every `intervalMs`; `onGone(reason)` runs at most once. Returns a stop function. */
export function watchParentIdentity(
  parent: ParentIdentity,
  onGone: (reason: string) => void,
  intervalMs = 1000,
): () => void {
  const timer = setInterval(() => {
    const reason = parentGone(parent);
    if (reason !== null) {
      clearInterval(timer);
      onGone(reason);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
