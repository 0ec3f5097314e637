/**
 * An authenticator app, for the browser tests: scans a QR code the way a phone camera would (a
 * screenshot of what Chromium drew, turned into pixels on a blank page's canvas, decoded by jsQR,
 * so a test reads the otpauth URI from the rendered page, not from the markup), and gives the code
 * of a key (lib/totp.ts).
 */
import jsQR from 'jsqr';
import type { Locator } from 'playwright-core';
import { base32Decode, secondsLeft, totp } from '../../../lib/totp';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The code an authenticator app shows now for this key, waiting for the next step when it is about to change or was used. */
export async function appCodeFor(secret: string, used: ReadonlySet<string> = new Set()): Promise<string> {
  for (;;) {
    const now = Date.now();
    const code = totp(base32Decode(secret), now, 6, 30);
    if (secondsLeft(now, 30) >= 3 && !used.has(code)) return code;
    await sleep(500);
  }
}

/** The key of the otpauth URI a QR code holds. */
export async function scanKey(element: Locator): Promise<string> {
  return new URL(await scanQr(element)).searchParams.get('secret') ?? '';
}

export async function scanQr(element: Locator): Promise<string> {
  const png = await element.screenshot();
  const blank = await element.page().context().newPage();
  try {
    const { width, height, pixels } = await blank.evaluate(async (base64: string) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d canvas');
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      return { width: canvas.width, height: canvas.height, pixels: Array.from(data) };
    }, png.toString('base64'));
    const found = jsQR(Uint8ClampedArray.from(pixels), width, height);
    if (!found) throw new Error(`no QR code could be read in the ${width}x${height} screenshot`);
    return found.data;
  } finally {
    await blank.close();
  }
}
