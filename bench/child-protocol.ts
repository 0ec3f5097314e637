/** The messages between the bench (parent) and its server child (server-child.ts). */

export type ChildRequest =
  | { type: 'cpu'; id: number }
  | { type: 'mem'; id: number; gc?: boolean }
  /** Start the V8 CPU profiler on the main thread, or stop it and write the profile to `file`. */
  | { type: 'profile'; id: number; action: 'start' | 'stop'; file?: string }
  | { type: 'stop'; id: number };

export interface CpuReply {
  type: 'cpu';
  id: number;
  /** process.cpuUsage(), microseconds since the child started. */
  user: number;
  system: number;
  /** process.hrtime.bigint() when read, as text. */
  atNs: string;
}

export interface MemReply {
  type: 'mem';
  id: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface ReadyReply {
  type: 'ready';
  formsPort: number;
  barePort: number;
  floorPort: number;
  pid: number;
  redis: boolean;
}

export type ChildReply =
  CpuReply | MemReply | ReadyReply | { type: 'profile'; id: number; error?: string } | { type: 'stopped'; id: number };
