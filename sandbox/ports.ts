/** The sandbox's four ports: defaults 3000-3003, SANDBOX_*_PORT, or 0 for a free one (tests). */
import { createServer } from 'node:net';

export const LISTEN_HOST = '127.0.0.1';
export const DEFAULT_PORTS = { demo: 3000, tenant: 3001, forms: 3002, authy: 3003 } as const;

export type PortName = keyof typeof DEFAULT_PORTS;
export type Ports = Record<PortName, number>;

const PORT_NAMES = Object.keys(DEFAULT_PORTS) as PortName[];

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LISTEN_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function portFromEnv(name: PortName): number | undefined {
  const value = process.env[`SANDBOX_${name.toUpperCase()}_PORT`];
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`SANDBOX_${name.toUpperCase()}_PORT must be a port number`);
  return port;
}

/** The ports set by SANDBOX_*_PORT; others are left out. */
export function portsFromEnv(): Partial<Ports> {
  const ports: Partial<Ports> = {};
  for (const name of PORT_NAMES) {
    const port = portFromEnv(name);
    if (port !== undefined) ports[name] = port;
  }
  return ports;
}

/** Every port fixed before the servers are built (each server must know the others' URLs): 0 becomes a free one. */
export async function resolvePorts(wanted: Partial<Ports> = {}): Promise<Ports> {
  const ports = {} as Ports;
  for (const name of PORT_NAMES) {
    const port = wanted[name] ?? DEFAULT_PORTS[name];
    ports[name] = port === 0 ? await freePort() : port;
  }
  return ports;
}
