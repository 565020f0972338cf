// Who used the machine's CPU while a gesture was recorded (cut.e2e.mjs). The window's frame
// times depend on what else runs beside it: on 2 cores, 50 ffprobe runs after a render took
// the cores from the page and doubled a trim drag's p95. A gesture's figures say how much CPU
// the other processes used during it, and which, so a slow run tells whether the page or the
// machine was slow. Read from /proc (Linux).
import fs from "node:fs";

/** Linux counts a process's CPU in ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

/** Every process's CPU time so far (ms), by pid and start time (a pid can be reused). */
export function cpuSnapshot() {
  const procs = new Map();
  let names;
  try {
    names = fs.readdirSync("/proc");
  } catch {
    return { at: performance.now(), procs };
  }
  for (const d of names) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      // A kernel worker's name carries its current work after a dash: one name per worker.
      const name = stat.slice(stat.indexOf("(") + 1, close).replace(/^(kworker\/[^-]*)-.*$/, "$1");
      // After the name: state is field 3; utime, stime are 14, 15; starttime is 22.
      const f = stat.slice(close + 2).split(" ");
      procs.set(`${d}@${f[19]}`, { name, ms: (Number(f[11]) + Number(f[12])) * TICK_MS });
    } catch {
      // Gone in between.
    }
  }
  return { at: performance.now(), procs };
}

/**
 * The CPU the processes used between two snapshots: the span (ms), the total (ms of CPU, all
 * cores), and the `top` process names with theirs (a name's processes added up: 50 ffprobes
 * are one line).
 */
export function cpuBetween(a, b, top = 6) {
  const by = {};
  for (const [key, p] of b.procs) {
    const used = p.ms - (a.procs.get(key)?.ms ?? 0);
    if (used > 0) by[p.name] = (by[p.name] ?? 0) + used;
  }
  const totalMs = Object.values(by).reduce((x, y) => x + y, 0);
  return {
    spanMs: Math.round(b.at - a.at),
    totalMs,
    top: Object.entries(by)
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([n, ms]) => `${n} ${ms}`),
  };
}
