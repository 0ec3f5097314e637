/** Content-Security-Policy of every page: no inline script or style, no framing, forms post to ourselves. */
export function contentSecurityPolicy(formActions: readonly string[] = ["'self'"]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `form-action ${formActions.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
