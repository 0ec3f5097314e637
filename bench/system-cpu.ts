/**
 * The whole machine's busy CPU time (/proc/stat), so a scenario can say how much of the machine
 * other processes took while it ran (the figures are only as steady as the machine is idle).
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc/stat counts in hundredths of a second on Linux. */
const TICKS_PER_SEC = 100;

/** Busy CPU time of all cores since boot (everything but idle and iowait), µs; null off Linux. */
export function machineBusyUs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [name, ...fields] = line.trim().split(/\s+/);
    if (name !== 'cpu') return null;
    const ticks = fields.slice(0, 8).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return ((total - idle) * 1e6) / TICKS_PER_SEC;
  } catch {
    return null;
  }
}

/** The 1-minute load average. */
export function loadAverage(): number | null {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}
