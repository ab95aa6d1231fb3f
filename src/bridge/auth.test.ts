import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IncomingMessage } from 'node:http';
import { cookieName, fetchSiteAllowed, hostAllowed, newToken, originAllowed, parseCookies, requestToken, tokenMatches } from './auth';

test('tokens: random, compared exactly', () => {
  const t = newToken();
  assert.ok(t.length >= 32);
  assert.notEqual(t, newToken());
  assert.equal(tokenMatches(t, t), true);
  assert.equal(tokenMatches(t, t.slice(0, -1)), false);
  assert.equal(tokenMatches(t, `${t}x`), false);
  assert.equal(tokenMatches(t, ''), false);
  assert.equal(tokenMatches(t, undefined), false);
  assert.equal(tokenMatches(t, 'x'.repeat(10_000)), false);
});

test('Host header: loopback names only, any port (SSH tunnels may remap it)', () => {
  for (const ok of ['127.0.0.1:8765', 'localhost:1', 'localhost', '[::1]:9000']) assert.equal(hostAllowed(ok), true, ok);
  for (const bad of [undefined, '', 'evil.example', 'evil.example:8765', '127.0.0.1.evil.example:8765', '10.0.0.2:8765', 'localhost.:80']) {
    assert.equal(hostAllowed(bad), false, String(bad));
  }
});

test('Origin: absent is fine; present must be this server’s own origin, port included', () => {
  const host = '127.0.0.1:8765';
  assert.equal(originAllowed(undefined, host), true);
  assert.equal(originAllowed('http://127.0.0.1:8765', host), true);
  assert.equal(originAllowed('http://localhost:9000', 'localhost:9000'), true, 'an SSH tunnel keeps Host and Origin equal');
  assert.equal(originAllowed('http://[::1]:8765', '[::1]:8765'), true);
  // another loopback port is another origin (a dev server, a notebook): refused
  for (const bad of ['http://127.0.0.1:3000', 'http://127.0.0.1', 'http://localhost:8765', 'https://127.0.0.1:8765', 'ws://127.0.0.1:8765', 'null', 'file://', 'http://evil.example:8765', 'http://127.0.0.1:8765/', 'http://user@127.0.0.1:8765']) {
    assert.equal(originAllowed(bad, host), false, bad);
  }
  assert.equal(originAllowed('http://127.0.0.1:8765', 'evil.example:8765'), false, 'a rebinding Host fails even with a matching Origin');
  assert.equal(originAllowed('http://127.0.0.1:8765', undefined), false);
});

test('Sec-Fetch-Site: absent or same-origin only', () => {
  assert.equal(fetchSiteAllowed(undefined), true);
  assert.equal(fetchSiteAllowed('same-origin'), true);
  for (const bad of ['same-site', 'cross-site', 'none']) assert.equal(fetchSiteAllowed(bad), false, bad);
});

test('token: header, then the URL query (a new URL wins over an old cookie), then the cookie', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  const url = (q: string) => new URL(`http://127.0.0.1:8765/${q}`);
  const cookie = `${cookieName(8765)}=old`;
  assert.deepEqual(requestToken(req({ cookie }), url('?token=new'), 8765), { token: 'new', from: 'query' });
  assert.deepEqual(requestToken(req({ cookie }), url(''), 8765), { token: 'old', from: 'cookie' });
  assert.deepEqual(requestToken(req({ cookie, 'x-featurescope-token': 'h' }), url('?token=new'), 8765), { token: 'h', from: 'header' });
  assert.equal(requestToken(req({ cookie: `${cookieName(8766)}=other` }), url(''), 8765), undefined, 'another port’s cookie is not ours');
});

test('cookies: parsed, and named per port', () => {
  assert.deepEqual(parseCookies('a=1; featurescope_token_8765=abc%2Bd; b'), { a: '1', featurescope_token_8765: 'abc+d' });
  assert.notEqual(cookieName(1), cookieName(2));
});
