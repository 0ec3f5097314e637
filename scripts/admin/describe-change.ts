/** Prints an app_metadata change key by key, "before -> after", for the operator (pure). */
import { DEVICES_KEY, readDevices } from '../../lib/remembered-devices';

function show(value: unknown, key: string): string {
  if (value === null || value === undefined) return '(absent)';
  // Remembered devices by count and label: their hashes mean nothing to an operator.
  if (key === DEVICES_KEY) {
    const devices = readDevices({ [DEVICES_KEY]: value });
    const labels = devices.length > 0 ? ` (${devices.map((d) => d.label).join('; ')})` : '';
    return `${devices.length} remembered device${devices.length === 1 ? '' : 's'}${labels}`;
  }
  return JSON.stringify(value);
}

export function describeChange(previous: Record<string, unknown>, patch: Record<string, unknown>): string[] {
  return Object.keys(patch).map((key) => {
    const after = patch[key];
    return `  app_metadata.${key}: ${show(previous[key], key)} -> ${after === null ? '(removed)' : show(after, key)}`;
  });
}
