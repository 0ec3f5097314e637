/**
 * The forms pages follow the login's ui_locales (demo application → tenant → Action → outbound
 * token): Spanish and German from the demo application's links, English for anything else.
 */
import type { Page } from 'playwright-core';
import { browserDescribe, screenshot } from './helpers/browser';
import { enroll, heading, noticeText, openLoginFromDemo, submitPassword, typeWrongCode, waitForForms } from './helpers/journey';
import { wrongCode, type E2eSandbox, useBrowserSession } from './helpers/sandbox';

browserDescribe()('languages in Chromium', () => {
  let sandbox: E2eSandbox;
  let page: Page;
  // The browser itself asks for English: the page language must come from ui_locales.
  useBrowserSession((session) => ({ sandbox, page } = session), { locale: 'en-US' });

  async function pageFacts() {
    return {
      lang: await page.locator('html').getAttribute('lang'),
      title: await page.title(),
      heading: await heading(page),
      country: await page.locator('#country').inputValue(),
      submit: (await page.locator('form[action="/2fa/enroll"] button').innerText()).trim(),
    };
  }

  it('Español: the enrollment and code pages in Spanish, Spain preselected', async () => {
    await openLoginFromDemo(page, sandbox, 'Español');
    expect(new URL(page.url()).searchParams.get('ui_locales')).toBe('es');
    await submitPassword(page, sandbox.user('alice@example.com'));
    await waitForForms(page, sandbox);
    expect(await pageFacts()).toEqual({
      lang: 'es',
      title: 'Verificación en dos pasos',
      heading: 'Proteja su cuenta',
      country: 'ES',
      submit: 'Continuar',
    });
    expect(await page.getByRole('button', { name: 'Cancelar y volver' }).count()).toBe(1);
    await screenshot(page, 'enroll-es');

    await enroll(page, 'ES', '612 34 56 78');
    expect(await heading(page)).toBe('Introduzca su código');
    await typeWrongCode(page, await wrongCode(sandbox, '612345678'));
    expect(await noticeText(page)).toBe('Ese código no es correcto. Quedan 4 intentos.');
    expect(await page.getByRole('button', { name: 'Enviarme un SMS' }).count()).toBe(1);
  }, 30_000);

  it('Deutsch: the enrollment page in German, Germany preselected', async () => {
    await openLoginFromDemo(page, sandbox, 'Deutsch');
    await submitPassword(page, sandbox.user('bob@example.com'));
    await waitForForms(page, sandbox);
    expect(await pageFacts()).toEqual({
      lang: 'de',
      title: 'Bestätigung in zwei Schritten',
      heading: 'Schützen Sie Ihr Konto',
      country: 'DE',
      submit: 'Weiter',
    });
    expect(await page.getByRole('button', { name: 'Abbrechen und zurück' }).count()).toBe(1);
    await screenshot(page, 'enroll-de');
  }, 30_000);

  it('a language without a catalogue (fr) falls back to English', async () => {
    await page.goto(`${sandbox.urls.demo}/login?ui_locales=fr`);
    await submitPassword(page, sandbox.user('carol@example.com'));
    await waitForForms(page, sandbox);
    const facts = await pageFacts();
    expect(facts.lang).toBe('en');
    expect(facts.heading).toBe('Protect your account');
    // Texts fall back to English; the preselected country still follows the login's locale.
    expect(facts.country).toBe('FR');
  }, 30_000);
});
