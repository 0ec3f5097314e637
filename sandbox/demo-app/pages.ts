/**
 * The demo application's pages: home (signed out / signed in with the ID-token claims) and the
 * sign-in error page. Template strings, every value escaped, no script.
 */
import { escapeHtml } from '../shared/html';

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f4f1ea;color:#1d1b16}
  header{background:#243b53;color:#fff;padding:.75rem 1rem} header p{margin:0;font-weight:700}
  main{max-width:44rem;margin:1.5rem auto;padding:0 1rem}
  h1{font-size:1.5rem}
  .card{background:#fff;border-radius:8px;padding:1rem 1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.15);margin-bottom:1rem}
  a.button,button{display:inline-block;padding:.6rem 1.1rem;font-size:1rem;font-weight:600;color:#fff;background:#1f6f43;border:0;
    border-radius:4px;text-decoration:none;cursor:pointer;margin:.25rem .5rem .25rem 0}
  a.secondary,button.secondary{background:#4a5361}
  a:focus,button:focus{outline:3px solid #1a56db;outline-offset:2px}
  table{width:100%;border-collapse:collapse;font-size:.95rem;table-layout:fixed}
  th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ddd;vertical-align:top;overflow-wrap:anywhere}
  th[scope=row]{width:40%}
  code{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
  tr.highlight{background:#e7f5ec} .ok{color:#1f6f43;font-weight:700}
  .error{background:#fde8e8;color:#8a1c1c;padding:.75rem 1rem;border-radius:4px}
  form{display:inline}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><p>Demo application</p></header><main>${body}</main></body>
</html>`;
}

const ACTION_NOTE = 'which runs the two-step verification Action (Authy or Twilio Verify).';

/** One link per language of the forms pages; without one, the browser's own languages decide. */
const LANGUAGE_LINKS: readonly (readonly [string, string])[] = [
  ['es', 'Español'],
  ['de', 'Deutsch'],
  ['fr', 'Français'],
  ['pt-BR', 'Português (Brasil)'],
  ['it', 'Italiano'],
  ['nl', 'Nederlands'],
];

function languageLinks(): string {
  return LANGUAGE_LINKS.map(([tag, name]) => `<a href="/login?ui_locales=${tag}" lang="${tag}">${name}</a>`).join(' · ');
}

export function signedOutPage(tenantUrl: string): string {
  return layout(
    'Demo application',
    `<h1>Welcome</h1>
<div class="card">
<p>This application signs you in with the local sandbox tenant (<code>${escapeHtml(tenantUrl)}</code>), ${ACTION_NOTE}</p>
<p><a class="button" href="/login">Sign in</a>
<a class="button secondary" href="/login?prompt=none">Try a silent sign-in (prompt=none)</a></p>
<p>Sign in in another language: ${languageLinks()}</p>
<p>Without one of these, the pages follow your browser's languages (Accept-Language).</p>
</div>`,
  );
}

export interface SignedInView {
  claims: Record<string, unknown>;
  secondFactorClaim: string | null;
  canRefresh: boolean;
  refreshedAt?: string;
}

export function signedInPage(view: SignedInView): string {
  const { claims } = view;
  const who = typeof claims.name === 'string' ? claims.name : String(claims.sub);
  const factor = view.secondFactorClaim ? claims[view.secondFactorClaim] : undefined;
  const rows = Object.entries(claims)
    .map(([k, v]) => {
      const highlight = k === view.secondFactorClaim ? ' class="highlight"' : '';
      const name = `<th scope="row"><code>${escapeHtml(k)}</code></th>`;
      return `<tr${highlight}>${name}<td><code>${escapeHtml(JSON.stringify(v))}</code></td></tr>`;
    })
    .join('');
  const factorLine =
    factor !== undefined
      ? `<span class="ok">Two-step verification done:</span> <code>${escapeHtml(JSON.stringify(factor))}</code>`
      : 'No two-step verification claim in this ID token.';
  const refreshForm = '<form method="post" action="/refresh"><button type="submit" class="secondary">Refresh tokens</button></form>';
  return layout(
    'Signed in · Demo application',
    `<h1>Signed in as ${escapeHtml(who)}</h1>
<div class="card">
<p>${escapeHtml(typeof claims.email === 'string' ? claims.email : '')}</p>
<p>${factorLine}</p>
${view.refreshedAt ? `<p>ID token refreshed at ${escapeHtml(view.refreshedAt)} (refresh-token grant; the Action ran again).</p>` : ''}
<p>
${view.canRefresh ? refreshForm : ''}
<a class="button secondary" href="/login?prompt=none">Silent sign-in again</a>
<a class="button" href="/logout">Sign out</a>
</p>
</div>
<div class="card">
<h2 style="font-size:1.1rem;margin-top:0">ID token claims</h2>
<p>Verified with the tenant's JWKS (RS256), issuer, audience, expiry and nonce.</p>
<table><thead><tr><th scope="col">Claim</th><th scope="col">Value</th></tr></thead><tbody>${rows}</tbody></table>
</div>`,
  );
}

export function errorPage(error: string, description: string): string {
  const title = error === 'access_denied' ? 'Access denied' : 'Sign-in failed';
  return layout(
    `${title} · Demo application`,
    `<h1>${escapeHtml(title)}</h1>
<div class="card">
<div class="error" role="alert"><p><strong>${escapeHtml(error)}</strong></p><p>${escapeHtml(description)}</p></div>
<p><a class="button" href="/login">Sign in again</a> <a class="button secondary" href="/">Home</a></p>
</div>`,
  );
}
