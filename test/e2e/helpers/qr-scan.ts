/**
 * Scans a QR code the way a phone camera would: a screenshot of what Chromium drew, turned into
 * pixels on a blank page's canvas, decoded by jsQR. So a test reads the otpauth URI from the
 * rendered page, not from the markup.
 */
import jsQR from 'jsqr';
import type { Locator } from 'playwright-core';

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
