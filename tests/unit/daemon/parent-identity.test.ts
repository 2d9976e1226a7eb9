/** The daemon's watch on the kernel: a dead, zombie, reused or reparenting parent pid counts as gone. */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  parentGone,
  parentIdentity,
  processStartTime,
  watchParentIdentity,
} from "../../../src/daemon/util/parent-identity.js";

function sleeper(): ReturnType<typeof spawn> {
  return spawn("sleep", ["60"], { stdio: "ignore" });
}

test("processStartTime reads field 22 of /proc/<pid>/stat, even with spaces and parentheses in the name", async (t) => {
  const own = processStartTime(process.pid);
  assert.ok(own !== null && own > 0);
  const text = readFileSync("/proc/self/stat", "latin1");
  assert.equal(Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[19]), own, "an independent reading");
  // A process whose name (comm) is "a) b (c": a naive split by spaces would read another field.
  const dir = mkdtempSync(join(tmpdir(), "napari-cuda-comm-"));
  const weird = join(dir, "a) b (c");
  symlinkSync(execFileSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).trim(), weird);
  const odd = spawn(weird, ["60"], { stdio: "ignore" });
  const later = sleeper();
  t.after(() => {
    odd.kill("SIGKILL");
    later.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  await once(later, "spawn");
  assert.match(readFileSync(`/proc/${odd.pid}/stat`, "latin1"), /\(a\) b \(c\)/);
  const oddStart = processStartTime(odd.pid!);
  assert.ok(oddStart !== null && oddStart >= own && oddStart <= processStartTime(later.pid!)!, String(oddStart));
});

test("a live parent is not gone; once killed it is", async () => {
  const child = sleeper();
  const parent = parentIdentity(child.pid!);
  assert.ok(parent.startTime > 0 && !parent.followPpid);
  assert.equal(parentGone(parent), null);
  child.kill("SIGKILL");
  await once(child, "exit");
  assert.match(parentGone(parent) ?? "", /^parent process \d+ is gone$/);
});

test("a reused pid (same pid, another start time) is gone", (t) => {
  const child = sleeper();
  t.after(() => child.kill("SIGKILL"));
  const parent = parentIdentity(child.pid!);
  const reused = { ...parent, startTime: parent.startTime - 1 }; // what the daemon recorded for the dead kernel
  assert.match(parentGone(reused) ?? "", /its pid now belongs to another process/);
  assert.equal(parentGone(parent), null);
});

test("a zombie (killed, not reaped) is gone although kill(pid, 0) succeeds", async (t) => {
  // sh starts `sleep 0` in the background, then becomes `sleep 60`, which never reaps it.
  const sh = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 60"], { stdio: ["ignore", "pipe", "ignore"] });
  t.after(() => sh.kill("SIGKILL"));
  const [chunk] = (await once(sh.stdout!, "data")) as [Buffer];
  const zombie = Number(chunk.toString().trim());
  for (let i = 0; i < 200 && !readFileSync(`/proc/${zombie}/stat`, "latin1").includes(") Z "); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  process.kill(zombie, 0); // exists
  assert.equal(processStartTime(zombie), null);
});

test("being reparented means the parent is gone", (t) => {
  const child = sleeper();
  t.after(() => child.kill("SIGKILL"));
  const parent = parentIdentity(child.pid!, child.pid!); // as if the daemon were its child
  assert.ok(parent.followPpid);
  assert.equal(parentGone(parent, child.pid!), null);
  assert.match(parentGone(parent, 1) ?? "", /\(reparented\)/);
});

test("the watch calls back once, with the reason", async () => {
  const child = sleeper();
  const reasons: string[] = [];
  const keepAlive = setTimeout(() => {}, 30_000); // the watch's timer is unref'd (it must not hold a daemon up)
  const gone = new Promise<void>((resolve) =>
    watchParentIdentity(
      parentIdentity(child.pid!),
      (r) => {
        reasons.push(r);
        resolve();
      },
      10,
    ),
  );
  child.kill("SIGKILL");
  await gone;
  await new Promise((r) => setTimeout(r, 50));
  clearTimeout(keepAlive);
  assert.equal(reasons.length, 1);
  assert.match(reasons[0]!, /is gone/);
});
