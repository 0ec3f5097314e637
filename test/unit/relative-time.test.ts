/** The time left until a lock ends, as people say it, in each page language. */
import { relativeTime } from '../../lib/relative-time';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const minutes = (n: number) => NOW + n * 60_000;

describe('relativeTime', () => {
  test.each([
    ['en', 'in 14 minutes'],
    ['es', 'dentro de 14 minutos'],
    ['de', 'in 14 Minuten'],
    ['fr', 'dans 14 minutes'],
    ['pt-BR', 'em 14 minutos'],
    ['it', 'tra 14 minuti'],
    ['nl', 'over 14 minuten'],
  ])('%s: %s', (lang, text) => {
    expect(relativeTime(minutes(14), NOW, lang)).toBe(text);
  });

  test('rounds up to whole minutes: a lock never reads as ended early', () => {
    expect(relativeTime(minutes(14) + 1, NOW, 'en')).toBe('in 15 minutes');
    expect(relativeTime(minutes(15) - 999, NOW, 'en')).toBe('in 15 minutes');
    expect(relativeTime(minutes(1), NOW, 'en')).toBe('in 1 minute');
  });

  test('less than a minute, or a moment already past, reads as one minute', () => {
    expect(relativeTime(NOW + 5_000, NOW, 'en')).toBe('in 1 minute');
    expect(relativeTime(NOW, NOW, 'en')).toBe('in 1 minute');
    expect(relativeTime(NOW - 60_000, NOW, 'fr')).toBe('dans 1 minute');
  });

  test('long locks read in hours, then days', () => {
    expect(relativeTime(minutes(89), NOW, 'en')).toBe('in 89 minutes');
    expect(relativeTime(minutes(90), NOW, 'en')).toBe('in 2 hours');
    expect(relativeTime(minutes(3 * 60), NOW, 'de')).toBe('in 3 Stunden');
    expect(relativeTime(minutes(35 * 60), NOW, 'en')).toBe('in 35 hours');
    expect(relativeTime(minutes(48 * 60), NOW, 'nl')).toBe('over 2 dagen');
  });

  test('a language tag Intl rejects falls back to English', () => {
    expect(relativeTime(minutes(14), NOW, 'en-a1')).toBe('in 14 minutes');
  });
});
