/**
 * The files an admin edits or reads stay in step with the Action's secrets: tenant.yaml, the
 * CI workflow, the .env example lines and the deploy docs each name every keyword, and the
 * workflow takes credentials from GitHub secrets, never from plain variables.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AFTER_VARIABLE, BEFORE_VARIABLE, BINDINGS_KEYWORD, SECRET_KEYWORDS } from '../../scripts/deploy/keywords';

const REPO = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const SETTINGS = [...SECRET_KEYWORDS.map((k) => k.keyword), BEFORE_VARIABLE, AFTER_VARIABLE];
const CREDENTIALS = [
  'AUTH0_CLIENT_SECRET',
  'AUTHY2FA_SHARED_SECRET',
  'AUTHY2FA_AUTHY_API_KEY',
  'AUTHY2FA_AUDIT_HASH_KEY',
  'AUTHY2FA_TWILIO_AUTH_TOKEN',
  'AUTHY2FA_TWILIO_API_KEY_SECRET',
  'AUTHY2FA_VERIFY_IDENTITY_KEY',
];

describe('deploy configuration files', () => {
  it('tenant.yaml hands every Action secret its quoted keyword, and binds post-login from the built list', () => {
    const yaml = read('tenant.yaml');
    for (const { secret, keyword } of SECRET_KEYWORDS) {
      expect(yaml).toMatch(new RegExp(`- name: ${secret}\\n\\s+value: '@@${keyword}@@'`));
    }
    expect(yaml).toContain(`post-login: '@@${BINDINGS_KEYWORD}@@'`);
    expect(yaml).not.toMatch(/##[A-Z]/);
  });

  it('the deploy workflow passes every setting, credentials only from secrets', () => {
    const workflow = read('.github/workflows/deploy-tenant.yml');
    for (const name of [...SETTINGS, 'AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET']) {
      const source = CREDENTIALS.includes(name) ? 'secrets' : 'vars';
      expect(workflow).toContain(`${name}: \${{ ${source}.${name} }}`);
    }
    expect(workflow).not.toMatch(/echo[^\n]*secrets\./);
  });

  it('promotion: main deploys dev; tags and manual runs deploy staging then prod, in GitHub environments', () => {
    const promote = read('.github/workflows/promote.yml');
    expect(promote).toMatch(/dev:\n\s+needs: test\n\s+if: github.event_name == 'push' && github.ref == 'refs\/heads\/main'/);
    expect(promote).toMatch(
      /staging:\n\s+needs: test\n\s+if: startsWith\(github.ref, 'refs\/tags\/v'\) \|\| github.event_name == 'workflow_dispatch'/,
    );
    expect(promote).toMatch(/prod:\n\s+needs: \[test, staging\]/);
    expect(read('.github/workflows/deploy-tenant.yml')).toContain('environment: ${{ inputs.environment }}');
  });

  it('the .env example lines and the deploy docs name every setting', () => {
    const example = read('docs/env.deploy.example');
    const docs = read('docs/deploy.md');
    for (const name of SETTINGS) {
      expect([name, example.includes(`${name}=`)]).toEqual([name, true]);
      expect([name, docs.includes(name)]).toEqual([name, true]);
    }
  });
});
