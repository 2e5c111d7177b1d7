import type { FastifyReply } from 'fastify';

/**
 * Everything the dashboard loads comes from handlemeter itself: no script, style, image, font or
 * frame from anywhere else, no inline script, and the page cannot be framed by another site.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

export function securityHeaders(res: FastifyReply): void {
  res.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.header('X-Content-Type-Options', 'nosniff');
  res.header('X-Frame-Options', 'DENY');
  // Not no-referrer: under it a browser sends `Origin: null` with the page's own forms, and the sign-in checks Origin.
  res.header('Referrer-Policy', 'same-origin');
  // Pages show billing figures for the signed-in person: never keep them in a shared cache.
  res.header('Cache-Control', 'no-store');
}
