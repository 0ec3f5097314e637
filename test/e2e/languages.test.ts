/**
 * The forms pages follow the login's language end to end (demo application → tenant → Action →
 * outbound token → forms server): the login's ui_locales first (the demo application's language
 * links), else the browser's Accept-Language, matched by the stand-in tenant against its
 * languages into event.transaction.locale, as Auth0 does. English for anything else.
 */
import type { BrowserContextOptions, Page } from 'playwright-core';
import { browserDescribe, newPage, screenshot } from './helpers/browser';
import { enroll, heading, noticeText, openLoginFromDemo, submitPassword, typeWrongCode, waitForForms } from './helpers/journey';
import { wrongCode, type E2eSandbox, useBrowserSession } from './helpers/sandbox';

/** What each new language shows, and a number from its own phone hint. */
const LANGUAGES = [
  {
    link: 'Français',
    uiLocales: 'fr',
    browser: { locale: 'fr-FR' },
    lang: 'fr',
    title: 'Vérification en deux étapes',
    heading: 'Protégez votre compte',
    submit: 'Continuer',
    country: 'FR',
    phone: '06 12 34 56 78',
    national: '612345678',
    codeHeading: 'Saisissez votre code',
    wrong: 'Ce code n’est pas le bon. Il reste 4 essais.',
  },
  {
    link: 'Português (Brasil)',
    uiLocales: 'pt-BR',
    // Portuguese from Portugal gets the Brazilian pages: the tenant's one Portuguese is pt-BR.
    browser: { locale: 'pt-PT', extraHTTPHeaders: { 'accept-language': 'pt-PT,pt;q=0.9,en;q=0.8' } },
    lang: 'pt-BR',
    title: 'Verificação em duas etapas',
    heading: 'Proteja sua conta',
    submit: 'Continuar',
    country: 'BR',
    phone: '(11) 91234-5678',
    national: '11912345678',
    codeHeading: 'Digite seu código',
    wrong: 'Esse código não está correto. Restam 4 tentativas.',
  },
  {
    link: 'Italiano',
    uiLocales: 'it',
    browser: { locale: 'it-IT' },
    lang: 'it',
    title: 'Verifica in due passaggi',
    heading: 'Proteggi il tuo account',
    submit: 'Continua',
    country: 'IT',
    phone: '312 345 6789',
    national: '3123456789',
    codeHeading: 'Inserisci il codice',
    wrong: 'Il codice non è corretto. Restano 4 tentativi.',
  },
  {
    link: 'Nederlands',
    uiLocales: 'nl',
    browser: { locale: 'nl-BE' },
    lang: 'nl',
    title: 'Verificatie in twee stappen',
    heading: 'Bescherm je account',
    submit: 'Doorgaan',
    country: 'NL',
    phone: '06 12345678',
    national: '612345678',
    codeHeading: 'Vul je code in',
    wrong: 'Die code klopt niet. Nog 4 pogingen.',
  },
] as const;

browserDescribe()('languages in Chromium', () => {
  let sandbox: E2eSandbox;
  let page: Page;
  // The browser itself asks for English: the page language must come from ui_locales.
  useBrowserSession((session) => ({ sandbox, page } = session), { locale: 'en-US' });

  async function pageFacts(on: Page = page) {
    return {
      lang: await on.locator('html').getAttribute('lang'),
      title: await on.title(),
      heading: await heading(on),
      country: await on.locator('#country').inputValue(),
      submit: (await on.locator('form[action="/2fa/enroll"] button').innerText()).trim(),
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

  it.each(LANGUAGES)(
    '$link via ui_locales: the enrollment and code pages in $lang',
    async (language) => {
      await openLoginFromDemo(page, sandbox, language.link);
      expect(new URL(page.url()).searchParams.get('ui_locales')).toBe(language.uiLocales);
      await submitPassword(page, sandbox.user('alice@example.com'));
      await waitForForms(page, sandbox);
      const { lang, title, heading: enrollHeading, country, submit } = language;
      expect(await pageFacts()).toEqual({ lang, title, heading: enrollHeading, country, submit });
      await screenshot(page, `enroll-${language.lang}`);

      // The number exactly as the page's own hint writes it is taken.
      await enroll(page, language.country, language.phone);
      expect(await heading(page)).toBe(language.codeHeading);
      await typeWrongCode(page, await wrongCode(sandbox, language.national));
      expect(await noticeText(page)).toBe(language.wrong);
    },
    30_000,
  );

  // No ui_locales: the browser's languages decide, through the tenant's transaction.locale.
  it.each(LANGUAGES)(
    '$browser.locale browser, no ui_locales: the enrollment page in $lang',
    async (language) => {
      const browser = page.context().browser();
      if (!browser) throw new Error('no browser');
      const options: BrowserContextOptions = { ...language.browser };
      const { context, page: own } = await newPage(browser, options);
      try {
        await openLoginFromDemo(own, sandbox);
        expect(new URL(own.url()).searchParams.has('ui_locales')).toBe(false);
        await submitPassword(own, sandbox.user('bob@example.com'));
        await waitForForms(own, sandbox);
        const { lang, title, heading: enrollHeading, country, submit } = language;
        expect(await pageFacts(own)).toEqual({ lang, title, heading: enrollHeading, country, submit });
      } finally {
        await context.close();
      }
    },
    30_000,
  );

  it('a language without a catalogue (sv-SE) falls back to English, its country still preselected', async () => {
    await page.goto(`${sandbox.urls.demo}/login?ui_locales=sv-SE`);
    await submitPassword(page, sandbox.user('carol@example.com'));
    await waitForForms(page, sandbox);
    const facts = await pageFacts();
    expect(facts.lang).toBe('en');
    expect(facts.heading).toBe('Protect your account');
    // Texts fall back to English; the preselected country still follows the login's locale.
    expect(facts.country).toBe('SE');
  }, 30_000);

  it('a browser asking for a language without a catalogue gets English', async () => {
    const browser = page.context().browser();
    if (!browser) throw new Error('no browser');
    const { context, page: own } = await newPage(browser, { locale: 'sv-SE' });
    try {
      await openLoginFromDemo(own, sandbox);
      await submitPassword(own, sandbox.user('carol@example.com'));
      await waitForForms(own, sandbox);
      expect(await pageFacts(own)).toMatchObject({ lang: 'en', heading: 'Protect your account' });
    } finally {
      await context.close();
    }
  }, 30_000);
});
