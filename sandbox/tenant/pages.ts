/**
 * The stand-in tenant's few HTML pages (login form, error, home). Plain template strings with
 * every interpolated value escaped; no script, so a strict content security policy applies.
 */
import { escapeHtml } from '../shared/html';
import type { SeedUser } from './user-store';
import type { WayBack } from './way-back';

/** Pages carry no script: inline styles only, no framing. */
const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#eef1f5;color:#1b1f24}
  main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
  h1{font-size:1.4rem;margin:0 0 .25rem} p.sub{margin:0 0 1rem;color:#4a5361}
  label{display:block;font-weight:600;margin:.75rem 0 .25rem}
  input{width:100%;padding:.6rem;font-size:1rem;border:1px solid #6b7482;border-radius:4px}
  input:focus,button:focus,a:focus{outline:3px solid #1a56db;outline-offset:2px}
  a.button{display:inline-block;padding:.7rem 1rem;font-weight:600;color:#fff;background:#1a56db;border-radius:4px;text-decoration:none}
  button{margin-top:1rem;width:100%;padding:.7rem;font-size:1rem;font-weight:600;color:#fff;background:#1a56db;border:0;border-radius:4px;
    cursor:pointer}
  .error{background:#fde8e8;color:#8a1c1c;padding:.6rem .8rem;border-radius:4px;margin:.75rem 0}
  ul.users{list-style:none;margin:.5rem 0 0;padding:0;font-size:.9rem}
  ul.users li{padding:.45rem 0;border-bottom:1px solid #d4d9e0;overflow-wrap:break-word}
  code{font-family:ui-monospace,Menlo,Consolas,monospace} .note{color:#4a5361;font-size:.9rem}
  @media (max-width:400px){main{margin:0;border-radius:0;min-height:100vh}}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body>
</html>`;
}

export interface LoginPageInput {
  txId: string;
  clientName: string;
  email?: string;
  error?: string;
  users: readonly SeedUser[];
}

/** The demo users as a list (a three-column table broke emails and notes mid-word on a phone). */
function demoUserList(users: readonly SeedUser[]): string {
  const items = users.map(
    (u) =>
      `<li><code>${escapeHtml(u.email)}</code><br><span class="note">password</span> <code>${escapeHtml(u.password)}</code>` +
      `<br><span class="note">${escapeHtml(u.note ?? '')}</span></li>`,
  );
  return `<ul class="users">${items.join('')}</ul>`;
}

export function loginPage(input: LoginPageInput): string {
  return layout(
    'Sign in · sandbox tenant',
    `<h1>Sign in</h1>
<p class="sub">to continue to <strong>${escapeHtml(input.clientName)}</strong> (local sandbox tenant)</p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="/login">
  <input type="hidden" name="tx" value="${escapeHtml(input.txId)}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(input.email ?? '')}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Continue</button>
</form>
<h2 style="font-size:1.05rem;margin-top:1.5rem">Demo users</h2>
<p class="note">This tenant is a local stand-in: these accounts exist only on this machine.</p>
${demoUserList(input.users)}`,
  );
}

/** An error page, always with a way on: a link back to the application, or (none known) how to start again. */
export function errorPage(title: string, message: string, way: WayBack | null = null): string {
  const next = way
    ? `<p><a class="button" href="${escapeHtml(way.href)}">${escapeHtml(way.label)}</a></p>`
    : '<p>Close this tab, then sign in again from the application.</p>';
  const body = `<h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p>${next}`;
  return layout(`${title} · sandbox tenant`, body);
}

export function messagePage(title: string, message: string): string {
  return layout(`${title} · sandbox tenant`, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

export function homePage(publicUrl: string): string {
  const links = ['/.well-known/openid-configuration', '/.well-known/jwks.json']
    .map((p) => `<li><a href="${escapeHtml(p)}">${escapeHtml(publicUrl + p)}</a></li>`)
    .join('');
  const endpoints = ['/authorize', '/continue', '/oauth/token', '/v2/logout'].map((p) => `<code>${p}</code>`).join(', ');
  const action = '<code>actions/authy-2fa/code.js</code>';
  const about = `A local stand-in for an Auth0 tenant: ${endpoints}. It runs the post-login Action from ${action}.`;
  return layout('Sandbox tenant', `<h1>Sandbox tenant</h1><p>${about}</p><ul>${links}</ul>`);
}
