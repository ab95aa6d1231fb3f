// Who may talk to the bridge. The bridge listens on loopback only, but any web page the person has open
// can still aim requests at 127.0.0.1 (and DNS rebinding can make such a page look same-origin), so:
//   1. every HTTP request and WebSocket must carry the random token printed in the URL
//      (query on the first page load, then an HttpOnly cookie the first load sets, or a header);
//   2. the Host header must name a loopback host, and an Origin, when sent, must be a loopback origin.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-featurescope-token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Cookies ignore ports, so two bridges on one machine need different cookie names. */
export function cookieName(port: number): string {
  return `featurescope_token_${port}`;
}

/** Constant-time comparison; hashing first makes both sides the same length. */
export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

/** The token a request carries, from (in order) the header, the cookie, or the `token` query parameter. */
export function requestToken(req: IncomingMessage, url: URL, port: number): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return header;
  const cookie = parseCookies(req.headers.cookie)[cookieName(port)];
  if (cookie) return cookie;
  return url.searchParams.get('token') ?? undefined;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Host header check against DNS rebinding. Any port is fine (an SSH tunnel may map a different local port). */
export function hostAllowed(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname;
  } catch {
    return false;
  }
  return LOOPBACK_HOSTS.has(hostname);
}

/** An absent Origin is fine (same-origin GETs, non-browser clients); a present one must be loopback http. */
export function originAllowed(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}
