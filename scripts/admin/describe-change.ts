/** Prints an app_metadata change key by key, "before -> after", for the operator (pure). */

function show(value: unknown): string {
  return value === null || value === undefined ? '(absent)' : JSON.stringify(value);
}

export function describeChange(previous: Record<string, unknown>, patch: Record<string, unknown>): string[] {
  return Object.keys(patch).map((key) => {
    const after = patch[key];
    return `  app_metadata.${key}: ${show(previous[key])} -> ${after === null ? '(removed)' : show(after)}`;
  });
}
