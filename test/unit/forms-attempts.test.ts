/** The forms server's pure visit rules: code format, tries left, lock, resend pacing, target, channel. */
import {
  MAX_SENDS_PER_VISIT,
  RESEND_INTERVAL_SECONDS,
  checkSend,
  isLocked,
  normalizeCode,
  parseChannel,
  triesLeft,
} from '../../forms-server/visit/attempts';
import { codeTarget } from '../../forms-server/visit/visit';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

describe('normalizeCode', () => {
  test.each([
    ['1234567', '1234567'],
    ['123456', '123456'],
    ['12345678', '12345678'],
    [' 123 4567 ', '1234567'],
    ['123-4567', '1234567'],
    ['\t1234567\n', '1234567'],
    ['0000000', '0000000'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeCode(raw)).toBe(expected);
  });

  test.each([
    ['empty', ''],
    ['spaces only', '   '],
    ['5 digits', '12345'],
    ['9 digits', '123456789'],
    ['20 digits', '12345678901234567890'],
    ['letters', 'abcdefg'],
    ['digits and a letter', '123456a'],
    ['a path', '123456/../1'],
    ['a query', '123456?force=false'],
    ['a sign', '+1234567'],
    ['a decimal', '1234.567'],
    ['Arabic-Indic digits', '١٢٣٤٥٦٧'],
    ['fullwidth digits', '１２３４５６７'],
    ['over 64 characters even if mostly spaces', `${' '.repeat(60)}1234567`],
  ])('%s → null', (_name, raw) => {
    expect(normalizeCode(raw)).toBeNull();
  });

  test.each([[undefined], [null], [1234567], [['1234567']], [{ code: '1234567' }]])('%j (not a string) → null', (raw) => {
    expect(normalizeCode(raw)).toBeNull();
  });
});

describe('triesLeft and isLocked', () => {
  test('tries left count down from the maximum and never go below zero', () => {
    expect(triesLeft({ failures: 0, lockedUntilMs: null }, 5)).toBe(5);
    expect(triesLeft({ failures: 2, lockedUntilMs: null }, 5)).toBe(3);
    expect(triesLeft({ failures: 5, lockedUntilMs: null }, 5)).toBe(0);
    expect(triesLeft({ failures: 9, lockedUntilMs: null }, 5)).toBe(0);
    expect(triesLeft({ failures: 1, lockedUntilMs: null }, 3)).toBe(2);
  });

  test('locked only while the lock lasts', () => {
    expect(isLocked({ failures: 5, lockedUntilMs: null }, NOW)).toBe(false);
    expect(isLocked({ failures: 5, lockedUntilMs: NOW + 1 }, NOW)).toBe(true);
    expect(isLocked({ failures: 5, lockedUntilMs: NOW }, NOW)).toBe(false);
    expect(isLocked({ failures: 5, lockedUntilMs: NOW - 1 }, NOW)).toBe(false);
  });
});

describe('checkSend (SMS and call pacing)', () => {
  test('the constants are what the pages promise', () => {
    expect(RESEND_INTERVAL_SECONDS).toBe(30);
    expect(MAX_SENDS_PER_VISIT).toBe(5);
  });

  test('the first send is always allowed', () => {
    expect(checkSend({ sends: 0, lastSendAtMs: 0 }, NOW)).toEqual({ ok: true });
    // Even if a clock says the last send was "just now": nothing was sent yet.
    expect(checkSend({ sends: 0, lastSendAtMs: NOW }, NOW)).toEqual({ ok: true });
  });

  test('a second send within 30 s says how many seconds to wait (rounded up)', () => {
    expect(checkSend({ sends: 1, lastSendAtMs: NOW }, NOW)).toEqual({ ok: false, key: 'sendTooSoon', seconds: 30 });
    expect(checkSend({ sends: 1, lastSendAtMs: NOW }, NOW + 10_000)).toEqual({ ok: false, key: 'sendTooSoon', seconds: 20 });
    expect(checkSend({ sends: 1, lastSendAtMs: NOW }, NOW + 29_500)).toEqual({ ok: false, key: 'sendTooSoon', seconds: 1 });
    expect(checkSend({ sends: 1, lastSendAtMs: NOW }, NOW + 30_000)).toEqual({ ok: true });
    expect(checkSend({ sends: 4, lastSendAtMs: NOW }, NOW + 31_000)).toEqual({ ok: true });
  });

  test('after five sends, no more in this visit, however long one waits', () => {
    expect(checkSend({ sends: 5, lastSendAtMs: NOW }, NOW + 3_600_000)).toEqual({ ok: false, key: 'sendLimit' });
    expect(checkSend({ sends: 6, lastSendAtMs: NOW }, NOW)).toEqual({ ok: false, key: 'sendLimit' });
  });
});

describe('codeTarget and parseChannel', () => {
  test('codes are checked against the enrolled id, else the one registered in this visit', () => {
    expect(codeTarget({ authyId: '1234', pendingAuthyId: null })).toBe('1234');
    expect(codeTarget({ authyId: '1234', pendingAuthyId: '999' })).toBe('1234');
    expect(codeTarget({ authyId: null, pendingAuthyId: '999' })).toBe('999');
    expect(codeTarget({ authyId: null, pendingAuthyId: null })).toBeNull();
  });

  test('only sms and call are resend channels', () => {
    expect(parseChannel('sms')).toBe('sms');
    expect(parseChannel('call')).toBe('call');
    for (const value of ['app', 'push', 'SMS', '', undefined, null, ['sms'], 1]) expect(parseChannel(value)).toBeNull();
  });
});
