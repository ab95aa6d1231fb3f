// The desktop shell's security settings, checked without the Electron binary: the link allow-list, the
// dev-server rule, and Electronegativity's MEDIUM/HIGH checks written as tests over src/ (the tool itself,
// `npx @doyensec/electronegativity -i src -r -e <electron version>`, needs the npm registry to install).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { externalUrlAllowed, rendererUrl } from './security';

const src = resolve(__dirname, '..');
const repo = resolve(src, '..');

function sources(dir = src): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    if (!/\.(ts|tsx|html)$/.test(e.name) || /\.test\.tsx?$/.test(e.name)) return [];
    return [{ file: relative(repo, p), text: readFileSync(p, 'utf8') }];
  });
}
const all = sources();
const read = (rel: string) => readFileSync(join(repo, rel), 'utf8');

test('links: only allow-listed https hosts reach the default browser', () => {
  assert.equal(externalUrlAllowed('https://github.com/onnx/models'), true);
  assert.equal(externalUrlAllowed('https://onnx.ai/onnx/operators/'), true);
  for (const bad of ['http://github.com/', 'file:///etc/passwd', 'smb://host/share', 'javascript:alert(1)', 'https://evil.example/', 'https://github.com.evil.example/', 'https://user:pw@github.com/', 'https://github.com:8443/', 'ms-msdt:/id', 'not a url']) {
    assert.equal(externalUrlAllowed(bad), false, bad);
  }
});

test('ELECTRON_RENDERER_URL: honoured only in a development build, and only on loopback http', () => {
  const built = 'file:///app/out/renderer/index.html';
  assert.equal(rendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false, built), 'http://localhost:5173');
  assert.equal(rendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, true, built), built, 'packaged: ignored');
  assert.equal(rendererUrl({ ELECTRON_RENDERER_URL: 'https://evil.example/' }, false, built), built);
  assert.equal(rendererUrl({ ELECTRON_RENDERER_URL: 'file:///tmp/x.html' }, false, built), built);
  assert.equal(rendererUrl({}, false, built), built);
  const readers = all.filter((f) => f.text.includes('ELECTRON_RENDERER_URL') && !f.text.includes('export function rendererUrl'));
  assert.deepEqual(readers.filter((f) => /process\.env\.ELECTRON_RENDERER_URL/.test(f.text)).map((f) => f.file), [], 'nobody reads it but rendererUrl');
});

test('every BrowserWindow: contextIsolation, sandbox, no Node, web security on, no insecure content, no webview, no auxclick', () => {
  const windows = all.filter((f) => f.text.includes('new BrowserWindow('));
  assert.ok(windows.length > 0, 'found the window');
  for (const { file, text } of windows) {
    for (const block of text.split('new BrowserWindow(').slice(1)) {
      const prefs = block.slice(0, block.indexOf('});') + 3);
      for (const want of [/contextIsolation: true/, /sandbox: true/, /nodeIntegration: false/, /nodeIntegrationInWorker: false/, /webSecurity: true/, /allowRunningInsecureContent: false/, /webviewTag: false/, /experimentalFeatures: false/, /disableBlinkFeatures: 'Auxclick'/]) {
        assert.match(prefs, want, `${file}: ${want}`);
      }
    }
  }
});

test('nothing in src/ turns a protection off (Electronegativity NODE_INTEGRATION, CONTEXT_ISOLATION, SANDBOX, WEB_SECURITY, INSECURE_CONTENT, BLINK_FEATURES, REMOTE_MODULE, DANGEROUS_FUNCTIONS, CERTIFICATE_*)', () => {
  const forbidden: [string, RegExp][] = [
    ['NODE_INTEGRATION', /nodeIntegration(InWorker|InSubFrames)?\s*:\s*true/],
    ['CONTEXT_ISOLATION', /contextIsolation\s*:\s*false/],
    ['SANDBOX', /sandbox\s*:\s*false|--no-sandbox|no-sandbox'/],
    ['WEB_SECURITY', /webSecurity\s*:\s*false|disable-web-security/],
    ['INSECURE_CONTENT', /allowRunningInsecureContent\s*:\s*true/],
    ['EXPERIMENTAL_FEATURES', /experimentalFeatures\s*:\s*true/],
    ['BLINK_FEATURES', /enableBlinkFeatures/],
    ['WEBVIEW', /webviewTag\s*:\s*true|<webview/],
    ['REMOTE_MODULE', /@electron\/remote|enableRemoteModule\s*:\s*true/],
    ['DANGEROUS_FUNCTIONS', /\beval\(|new Function\(|\.executeJavaScript\(|\.insertCSS\(/],
    ['CERTIFICATE_ERROR_EVENT', /certificate-error/],
    ['CERTIFICATE_VERIFY_PROC', /setCertificateVerifyProc/],
    ['PROTOCOL_HANDLERS', /registerFileProtocol|registerHttpProtocol|setAsDefaultProtocolClient/],
    ['CUSTOM_ARGUMENTS', /appendSwitch\(|appendArgument\(/],
    ['SECURITY_WARNINGS', /ELECTRON_DISABLE_SECURITY_WARNINGS/],
  ];
  const hits = all.flatMap(({ file, text }) => forbidden.filter(([, re]) => re.test(text)).map(([id]) => `${id}: ${file}`));
  // the bridge's e2e launches Chromium with --no-sandbox, outside src/; the renderer never builds code from strings
  assert.deepEqual(hits, []);
});

test('navigation, new windows, permissions and openExternal are handled (LIMIT_NAVIGATION, ALLOWPOPUPS, PERMISSION_REQUEST_HANDLER, OPEN_EXTERNAL)', () => {
  const main = read('src/main/index.ts');
  assert.match(main, /on\('will-navigate', \(e, target\) => \{\s*if \(target !== url\) e\.preventDefault\(\);/);
  assert.match(main, /setWindowOpenHandler\(\(\{ url: target \}\) => \{\s*void openExternal\(win, target\);\s*return \{ action: 'deny' \};/);
  assert.match(main, /'web-contents-created'[\s\S]*will-attach-webview[\s\S]*setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
  assert.match(main, /setPermissionRequestHandler\(\(_wc, _permission, callback\) => callback\(false\)\)/);
  assert.match(main, /setPermissionCheckHandler\(\(\) => false\)/);
  // openExternal: one call in src/, after the allow-list and the person's yes
  const calls = all.flatMap(({ file, text }) => (text.match(/shell\.openExternal\(/g) ?? []).map(() => file));
  assert.deepEqual(calls, ['src/main/index.ts']);
  assert.match(main, /if \(!externalUrlAllowed\(target\)\) return;[\s\S]*showMessageBox[\s\S]*if \(response === 0\) await shell\.openExternal\(target\)/);
});

test('the page has a Content-Security-Policy: scripts only from itself, no eval, no plugins (CSP_GLOBAL)', () => {
  const html = read('src/renderer/index.html');
  const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
  const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
  assert.equal(directive('script-src'), "script-src 'self'");
  assert.match(directive('default-src'), /^default-src 'self'$/);
  assert.equal(directive('object-src'), "object-src 'none'");
  assert.equal(directive('base-uri'), "base-uri 'none'");
  // no eval, no bare * and no whole-scheme sources (https:, http:, data: for scripts)
  assert.doesNotMatch(csp, /unsafe-eval|\s\*(\s|;|$)|\shttps?:(\s|;|$)/);
});

test('the packaged app has its fuses set (electron-builder electronFuses)', () => {
  const cfg = JSON.parse(read('electron-builder.json')) as { asar?: boolean; electronFuses?: Record<string, boolean> };
  assert.equal(cfg.asar, true);
  assert.deepEqual(cfg.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  });
});
