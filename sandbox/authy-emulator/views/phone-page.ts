/**
 * The phone page: per enrolled phone, the Authy app code, the SMS and voice messages
 * "delivered", and pending push requests with Approve / Deny. Plain HTML with no inline script
 * or style (the page is served with a strict CSP); phone.js refreshes the list every 3 s.
 */
import type { PhoneView } from '../emulator';

export const ASSET_PATH = '/phone/assets';
export const REFRESH_SECONDS = 3;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** "14:03:27 UTC": the page is rendered on the server, UTC avoids guessing the viewer's zone. */
function clock(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}

/** "2030-01-02 14:03 UTC": expiries can be a day or more away, so they carry the date. */
function dateTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const CHANNEL_LABEL = { sms: 'SMS', call: 'Voice call' } as const;
const INTRO =
  'What each enrolled phone would show: the Authy app code, the codes sent by SMS or voice call, ' +
  'and push requests to approve or deny. Nothing leaves this machine.';

function renderMessages(phone: PhoneView): string {
  if (phone.messages.length === 0) return '<p class="muted">No SMS or voice message yet.</p>';
  const items = phone.messages
    .map(
      (m) =>
        `<li><span class="channel">${CHANNEL_LABEL[m.channel]}</span> ` +
        `<span class="code" data-channel="${m.channel}">${escapeHtml(m.code)}</span> ` +
        `<time datetime="${escapeHtml(m.at)}">${escapeHtml(clock(m.at))}</time></li>`,
    )
    .join('\n');
  return `<ul class="messages">\n${items}\n</ul>`;
}

function renderApprovals(phone: PhoneView): string {
  if (phone.pending_approvals.length === 0) return '<p class="muted">No pending push request.</p>';
  const items = phone.pending_approvals
    .map((a) => {
      const id = escapeHtml(a.uuid);
      const details = Object.entries(a.details)
        .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
        .join('');
      return (
        `<li class="approval" data-uuid="${id}">\n` +
        `<p id="msg-${id}" class="approval-message">${escapeHtml(a.message)}</p>\n` +
        (details ? `<dl>${details}</dl>\n` : '') +
        `<p class="muted">Expires at <time datetime="${escapeHtml(a.expires_at)}">${escapeHtml(dateTime(a.expires_at))}</time></p>\n` +
        `<div class="actions">` +
        `<form method="post" action="/phone/approval/${id}/approve">` +
        `<button type="submit" class="approve" id="approve-${id}" aria-describedby="msg-${id}">Approve</button></form>` +
        `<form method="post" action="/phone/approval/${id}/deny">` +
        `<button type="submit" class="deny" id="deny-${id}" aria-describedby="msg-${id}">Deny</button></form>` +
        `</div>\n</li>`
      );
    })
    .join('\n');
  return `<ul class="approvals">\n${items}\n</ul>`;
}

function renderPhone(phone: PhoneView): string {
  const id = `phone-${phone.authy_id}`;
  const flags = [phone.registered ? 'app registered' : 'app not registered yet', phone.account_disabled ? 'account disabled' : '']
    .filter(Boolean)
    .join(' · ');
  const about = [
    `Shown to the site as ${escapeHtml(phone.masked_phone)}`,
    `Authy ID ${phone.authy_id}`,
    escapeHtml(phone.email),
    escapeHtml(flags),
  ];
  const appCode = `<span class="code app-code" data-app-code>${escapeHtml(phone.app_code)}</span>`;
  return `<section class="phone" aria-labelledby="${id}-title" data-authy-id="${phone.authy_id}">
<h2 id="${id}-title">+${escapeHtml(phone.country_code)} ${escapeHtml(phone.phone)}</h2>
<p class="muted">${about.join(' · ')}</p>
<h3>Authy app</h3>
<p class="app">${appCode} <span class="muted">changes in ${phone.seconds_left} s</span></p>
<h3>SMS and voice messages</h3>
${renderMessages(phone)}
<h3>Push requests</h3>
${renderApprovals(phone)}
</section>`;
}

/** The list of phones alone: what phone.js swaps in on each refresh. */
export function renderPhoneList(phones: PhoneView[]): string {
  if (phones.length === 0) {
    return '<p>No phone is enrolled yet. Enroll a phone during sign-in and it appears here with its codes.</p>';
  }
  return phones.map(renderPhone).join('\n');
}

export function renderPhonePage(phones: PhoneView[], notice: string | null = null): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox phone</title>
<link rel="stylesheet" href="${ASSET_PATH}/phone.css">
<script src="${ASSET_PATH}/phone.js" defer></script>
</head>
<body>
<header>
<h1>Sandbox phone</h1>
<p>${INTRO}</p>
${notice ? `<p class="answered" role="status">${escapeHtml(notice)}</p>` : ''}
<p class="refresh" hidden><label><input type="checkbox" id="auto-refresh" checked> Update every ${REFRESH_SECONDS} seconds</label></p>
</header>
<main id="phones">
${renderPhoneList(phones)}
</main>
</body>
</html>
`;
}
