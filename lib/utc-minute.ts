/** "2026-11-26 10:15": how both the Action's deny reason and the locked page say when a lock ends (UTC). */
export function utcMinute(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}
