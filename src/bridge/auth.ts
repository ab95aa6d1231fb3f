// Who may talk to the bridge. The bridge listens on loopback only, but any web page the person has open
// can still aim requests at 127.0.0.1 — including a page served from ANOTHER loopback port (a dev server,
// a notebook), which browsers treat as same-site: SameSite cookies are sent to it and ports do not
// separate cookies. So a session is bound to the bridge's own origin (scheme, host and port):
//   1. every request carries the per-start secret printed in the URL: the `token` query on the first page
//      load (it wins over any cookie and replaces it), then the HttpOnly, SameSite=Strict cookie that load
//      set (named per port), or the header (non-browser clients);
//   2. the Host header must name a loopback host (DNS rebinding), and an Origin, when sent, must be exactly
//      this server's origin as the browser sees it: `http://` + the Host header (host AND port). A page on
//      another port sends its own origin and is refused; an SSH tunnel keeps Host and Origin equal;
//   3. the socket and uploads also refuse a `Sec-Fetch-Site` other than same-origin.
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

export type TokenSource = 'header' | 'query' | 'cookie';

/**
 * The token a request carries and where it came from: the header, else the `token` query (a freshly
 * printed URL must win over a cookie left by an earlier start on the same port), else the cookie.
 */
export function requestToken(req: IncomingMessage, url: URL, port: number): { token: string; from: TokenSource } | undefined {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return { token: header, from: 'header' };
  const query = url.searchParams.get('token');
  if (query) return { token: query, from: 'query' };
  const cookie = parseCookies(req.headers.cookie)[cookieName(port)];
  if (cookie) return { token: cookie, from: 'cookie' };
  return undefined;
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

/**
 * An absent Origin is fine (same-origin GETs, non-browser clients that hold the token); a present one must
 * be this server's own origin: http, the same loopback host and the same port as the Host header.
 */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  if (!hostAllowed(hostHeader)) return false;
  let o: URL;
  let own: URL;
  try {
    o = new URL(origin);
    own = new URL(`http://${hostHeader}`);
  } catch {
    return false;
  }
  // URL drops the default port (80) on both sides alike, so `port` compares the effective port
  return o.protocol === 'http:' && o.hostname === own.hostname && o.port === own.port && o.origin === origin;
}

/** Fetch metadata (sent by current browsers): the socket and uploads are for our own page only. */
export function fetchSiteAllowed(secFetchSite: string | string[] | undefined): boolean {
  return secFetchSite === undefined || secFetchSite === 'same-origin';
}
