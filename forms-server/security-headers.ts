/**
 * Content-Security-Policy of every page: no inline script or style, no framing, and forms post
 * to ourselves. `formActions: null` leaves form-action out: browsers apply it to the redirects
 * that follow a form post too, and the POST to the tenant's /continue ends in a redirect to the
 * application, whose address (https, or http://localhost in development) we cannot know.
 */
export function contentSecurityPolicy(formActions: readonly string[] | null = ["'self'"]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    ...(formActions ? [`form-action ${formActions.join(' ')}`] : []),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
