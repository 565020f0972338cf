// What the end-to-end test asks of the machine around the window: waiting on files, the app's
// process tree and its memory, and making sure an app is gone.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import assert from "node:assert/strict";

/** Polls `check` (a condition on files) every 50 ms until it holds, for at most `ms`. */
export async function until(what, check, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    assert.ok(Date.now() < end, `${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** RSS and PSS of the app's process tree (WebKit helpers, in-process worker), without the
 * temporal dev server. PSS splits shared pages (libwebkit, GTK) fairly between processes. */
export function treeMemory(rootPid) {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,rss=,comm="], { encoding: "utf8" });
  const procs = out.trim().split("\n").map((l) => l.trim().split(/\s+/));
  const byParent = new Map();
  for (const [pid, ppid, rss, comm] of procs) {
    if (!byParent.has(ppid)) byParent.set(ppid, []);
    byParent.get(ppid).push({ pid, rss: Number(rss), comm });
  }
  const root = procs.find((p) => p[0] === String(rootPid));
  const tree = [{ pid: String(rootPid), rss: Number(root?.[2] ?? 0), comm: root?.[3] }];
  for (let i = 0; i < tree.length; i++) {
    for (const c of byParent.get(tree[i].pid) ?? []) if (!c.comm.startsWith("temporal")) tree.push(c);
  }
  const pss = (pid) => {
    try {
      const m = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  };
  return {
    rssBytes: tree.reduce((t, p) => t + p.rss, 0) * 1024,
    pssBytes: tree.reduce((t, p) => t + pss(p.pid), 0) * 1024,
    processes: tree.map((p) => ({ comm: p.comm, rssMiB: Math.round(p.rss / 1024), pssMiB: Math.round(pss(p.pid) / 1024) })),
  };
}

/** Ends a session and makes sure the app is gone (a WebDriver session delete may leave it up). */
export async function quit(s, pid) {
  await s.quit();
  const gone = () => !fs.existsSync(`/proc/${pid}`);
  for (let i = 0; i < 50 && !gone(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!gone()) process.kill(pid, "SIGTERM");
  for (let i = 0; i < 50 && !gone(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(gone(), `the app (pid ${pid}) did not exit`);
}
