import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, redactSecrets, redactText, redactUrl, registerSecret } from '../../src/core/secret-redaction.ts';
import { splitRegistryUrl } from '../../src/scenario/registry-url.ts';

describe('secret redaction', () => {
  it('masks the password of user:password@ URLs, keeping scheme, user and host', () => {
    assert.equal(redactUrl('http://deployer:hunter22@registry:5000/v2/'), `http://deployer:${REDACTED}@registry:5000/v2/`);
    assert.equal(redactUrl('pull https://a:b%40c@h/x failed; see http://h2/'), `pull https://a:${REDACTED}@h/x failed; see http://h2/`);
    assert.equal(redactUrl('http://registry:5000/v2/'), 'http://registry:5000/v2/');
  });

  it('masks secret-named keys at any depth and leaves everything else equal', () => {
    const scenario = { name: 'x', registry: { kind: 'external', url: 'http://u:pw1234@h', auth: { username: 'u', password: 'pw1234' } }, list: [{ token: 't0k3n' }, 3, null, true] };
    const redacted = redactSecrets(scenario);
    assert.deepEqual(redacted, { name: 'x', registry: { kind: 'external', url: `http://u:${REDACTED}@h`, auth: { username: 'u', password: REDACTED } }, list: [{ token: REDACTED }, 3, null, true] });
    assert.equal(scenario.registry.auth.password, 'pw1234', 'the input is not changed');
  });

  it('masks a registered secret in any text, plain, URL-encoded or JSON-escaped', () => {
    registerSecret('s3cr3t/"quoted"');
    const text = `error: s3cr3t/"quoted" ${encodeURIComponent('s3cr3t/"quoted"')} ${JSON.stringify('s3cr3t/"quoted"')}`;
    assert.ok(!redactText(text).includes('s3cr3t'), redactText(text));
    registerSecret('abc');
    assert.equal(redactText('abc is too short to mask everywhere'), 'abc is too short to mask everywhere');
  });

  it('moves URL credentials into auth (an explicit auth wins) and strips them from the URL', () => {
    assert.deepEqual(splitRegistryUrl('http://deployer:p%40ss@registry:5000', undefined), { url: 'http://registry:5000', auth: { username: 'deployer', password: 'p@ss' } });
    assert.deepEqual(splitRegistryUrl('https://u:p@h/prefix', { username: 'v', password: 'q' }), { url: 'https://h/prefix', auth: { username: 'v', password: 'q' } });
    assert.deepEqual(splitRegistryUrl('http://registry:5000', undefined), { url: 'http://registry:5000', auth: undefined });
    assert.equal(redactText('the password was p@ss'), `the password was ${REDACTED}`, 'a password seen in a URL is masked in later text');
  });
});
