/**
 * The phone page of the Verify emulator: per phone number, the SMS and voice codes "delivered";
 * per TOTP factor, the code an authenticator app would show now. Plain HTML, no inline script or
 * style (strict CSP); the Authy emulator's phone.css and phone.js (which refreshes the list every
 * 3 s from /phone/fragment) are served with it.
 */
import { escapeHtml } from '../../authy-emulator/views/phone-page';

export const ASSET_PATH = '/phone/assets';

export interface VerifyPhoneView {
  /** Newest messages first. The full number: the phone page is the user's own phone in the sandbox. */
  phones: { to: string; messages: { channel: 'sms' | 'call'; code: string; at: string }[] }[];
  factors: {
    identity: string;
    factor_sid: string;
    friendly_name: string;
    status: 'unverified' | 'verified';
    code: string;
    seconds_left: number;
    digits: number;
    time_step: number;
    alg: string;
  }[];
}

const CHANNEL_LABEL = { sms: 'SMS', call: 'Voice call' } as const;

function renderPhone(phone: VerifyPhoneView['phones'][number]): string {
  const items = phone.messages
    .map(
      (m) =>
        `<li><span class="channel">${CHANNEL_LABEL[m.channel]}</span> ` +
        `<span class="code" data-channel="${m.channel}">${escapeHtml(m.code)}</span> ` +
        `<time datetime="${escapeHtml(m.at)}">${escapeHtml(m.at.slice(11, 19))} UTC</time></li>`,
    )
    .join('\n');
  return `<section class="phone" aria-label="Phone ${escapeHtml(phone.to)}" data-phone="${escapeHtml(phone.to)}">
<h2>${escapeHtml(phone.to)}</h2>
<h3>SMS and voice messages</h3>
<ul class="messages">
${items}
</ul>
</section>`;
}

function renderFactor(factor: VerifyPhoneView['factors'][number]): string {
  const id = escapeHtml(factor.factor_sid);
  const settings = `${factor.digits} digits · ${factor.time_step} s · ${escapeHtml(factor.alg.toUpperCase())} · ${factor.status}`;
  return `<section class="phone" aria-labelledby="${id}-title" data-factor-sid="${id}">
<h2 id="${id}-title">Authenticator app: ${escapeHtml(factor.friendly_name)}</h2>
<p class="muted">Entity ${escapeHtml(factor.identity.slice(0, 12))}… · factor ${id} · ${settings}</p>
<p class="app"><span class="code app-code" data-totp-code>${escapeHtml(factor.code)}</span>
<span class="muted">changes in ${factor.seconds_left} s</span></p>
</section>`;
}

/** The list alone: what phone.js swaps in on each refresh. */
export function renderPhoneList(view: VerifyPhoneView): string {
  if (view.phones.length === 0 && view.factors.length === 0) {
    return '<p>Nothing yet. Enroll an authenticator app or ask for a code by SMS or voice call, and it appears here.</p>';
  }
  return [...view.factors.map(renderFactor), ...view.phones.map(renderPhone)].join('\n');
}

export function renderPhonePage(view: VerifyPhoneView): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox phone (Twilio Verify)</title>
<link rel="stylesheet" href="${ASSET_PATH}/phone.css">
<script src="${ASSET_PATH}/phone.js" defer></script>
</head>
<body>
<header>
<h1>Sandbox phone (Twilio Verify)</h1>
<p>What the user's phone would show: the current code of each authenticator app enrolled (TOTP),
and the codes sent by SMS or voice call. Nothing leaves this machine.</p>
<p class="refresh" hidden><label><input type="checkbox" id="auto-refresh" checked> Update every 3 seconds</label></p>
</header>
<main id="phones">
${renderPhoneList(view)}
</main>
</body>
</html>
`;
}
