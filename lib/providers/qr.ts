/**
 * The TOTP binding URI as an inline SVG QR code, for the forms server's enrollment page.
 * FORMS SERVER ONLY: this file uses the `qrcode` package, so it must never be imported by the
 * Action (lib/ files are otherwise Node built-ins only).
 */
import QRCode from 'qrcode';
import { ProviderError } from './types';

/** Only `otpauth://totp/...` URIs are drawn: the page never turns arbitrary text into a code. */
export async function totpQrSvg(uri: string): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new ProviderError('INVALID_REQUEST', 'not an otpauth URI', 'verify');
  }
  if (parsed.protocol !== 'otpauth:' || parsed.host !== 'totp' || !parsed.searchParams.get('secret') || uri.length > 2048) {
    throw new ProviderError('INVALID_REQUEST', 'not an otpauth://totp URI', 'verify');
  }
  // Error correction M and a 4-module quiet zone: what authenticator apps scan reliably from a screen.
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}
