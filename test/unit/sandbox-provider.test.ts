/** `npm start -- --provider verify` / `PROVIDER=verify npm start`: how the sandbox picks its provider. */
import { providerFrom } from '../../sandbox/verify-setup';

test('the command line wins over PROVIDER; the default is authy; anything else stops the start', () => {
  expect(providerFrom([], {})).toBe('authy');
  expect(providerFrom([], { PROVIDER: 'verify' })).toBe('verify');
  expect(providerFrom(['--provider', 'verify'], {})).toBe('verify');
  expect(providerFrom(['--provider=verify'], { PROVIDER: 'authy' })).toBe('verify');
  expect(providerFrom(['--provider', 'authy'], { PROVIDER: 'verify' })).toBe('authy');
  expect(() => providerFrom(['--provider', 'twilio'], {})).toThrow(/authy or verify/);
  expect(() => providerFrom([], { PROVIDER: 'duo' })).toThrow(/authy or verify/);
});
