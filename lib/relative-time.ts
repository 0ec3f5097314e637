/**
 * How long until a moment, as people say it: "in 14 minutes", "dans 2 heures", in the given
 * language (Intl.RelativeTimeFormat). Shown next to the exact UTC time wherever a lock's end is
 * told to the user. Rounded up to whole minutes (never "in 0 minutes": a moment already past, or
 * less than a minute away, reads "in 1 minute"); from 90 minutes on in hours, from 36 hours on
 * in days. A language tag Intl rejects falls back to English.
 */
export function relativeTime(untilMs: number, nowMs: number, lang: string): string {
  const minutes = Math.max(1, Math.ceil((untilMs - nowMs) / 60_000));
  const format = relativeTimeFormat(lang);
  if (minutes < 90) return format.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  return hours < 36 ? format.format(hours, 'hour') : format.format(Math.round(hours / 24), 'day');
}

function relativeTimeFormat(lang: string): Intl.RelativeTimeFormat {
  try {
    return new Intl.RelativeTimeFormat(lang, { numeric: 'always' });
  } catch {
    return new Intl.RelativeTimeFormat('en', { numeric: 'always' });
  }
}
