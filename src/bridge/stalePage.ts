// The page a browser gets for an old or incomplete link: every start of the server prints a new URL with a
// new secret, so a bookmark, a tab left open across a restart, or a cookie from an earlier start no longer
// works. It says what to do, naming the command the person actually ran (npm start or npm run serve).
import type { TokenSource } from './auth';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function staleLinkPage(launchCommand: string, from: TokenSource | undefined): string {
  const cmd = escapeHtml(launchCommand);
  const why =
    from === 'query'
      ? 'This link is from an earlier start of Featurescope (each start prints a new address with a new key).'
      : from === 'cookie'
        ? 'This browser remembers a key from an earlier start of Featurescope, and the address has none.'
        : 'This address has no key: open the full address Featurescope printed, including <code>?token=…</code>.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Featurescope: open the new address</title>
<style>body{font:16px/1.5 system-ui,sans-serif;background:#15171b;color:#e6e6e6;max-width:40em;margin:4em auto;padding:0 1em}code{background:#262a31;padding:.1em .3em;border-radius:3px;white-space:nowrap}h1{font-size:1.4em}</style>
</head><body>
<h1>Open the address Featurescope printed last</h1>
<p>${why}</p>
<p>Look in the terminal where you ran <code>${cmd}</code> for the line <code>Featurescope: open http://…</code> and open that address.
If that terminal is gone, run <code>${cmd}</code> again and open the address it prints.</p>
</body></html>
`;
}
