/** The enrollment QR code: an inline SVG of an otpauth://totp URI, and nothing else. */
import QRCode from 'qrcode';
import { totpQrSvg } from '../../lib/providers/qr';
import { codeOf, SECRET } from '../helpers/verify';

const URI = `otpauth://totp/Demo:Sign-in?secret=${SECRET}&issuer=Demo&algorithm=SHA1&digits=6&period=30`;

test('an SVG, the same as the qrcode package draws for that URI', async () => {
  const svg = await totpQrSvg(URI);
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('</svg>');
  expect(svg).not.toMatch(/<script|on\w+=/i);
  expect(svg).toBe(await QRCode.toString(URI, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 }));
});

test('only otpauth://totp URIs with a secret', async () => {
  for (const bad of [
    '',
    'not a uri',
    'https://example.com/?secret=ABC',
    'otpauth://hotp/x?secret=ABC',
    'otpauth://totp/x',
    `${URI}&x=${'a'.repeat(2100)}`,
  ]) {
    expect(await codeOf(totpQrSvg(bad))).toBe('INVALID_REQUEST');
  }
});
