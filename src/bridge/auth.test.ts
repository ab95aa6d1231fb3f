import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieName, hostAllowed, newToken, originAllowed, parseCookies, tokenMatches } from './auth';

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

test('Origin: absent is fine, present must be loopback http', () => {
  assert.equal(originAllowed(undefined), true);
  assert.equal(originAllowed('http://127.0.0.1:8765'), true);
  assert.equal(originAllowed('http://localhost:3000'), true);
  assert.equal(originAllowed('null'), false);
  assert.equal(originAllowed('http://evil.example'), false);
  assert.equal(originAllowed('https://127.0.0.1:8765'), false);
  assert.equal(originAllowed('file://'), false);
});

test('cookies: parsed, and named per port', () => {
  assert.deepEqual(parseCookies('a=1; featurescope_token_8765=abc%2Bd; b'), { a: '1', featurescope_token_8765: 'abc+d' });
  assert.notEqual(cookieName(1), cookieName(2));
});
