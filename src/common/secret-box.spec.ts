import * as crypto from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(crypto.randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('1234-token&secret=é');
    expect(sealed).not.toContain('1234-token');
    expect(box.open(sealed)).toBe('1234-token&secret=é');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses a tampered ciphertext or another key', () => {
    const sealed = box.seal('secret');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`v1.${raw.toString('base64')}`)).toThrow();
    expect(() => new SecretBox(crypto.randomBytes(32)).open(sealed)).toThrow();
  });
});

describe('SecretBox key rotation', () => {
  const oldKey = crypto.randomBytes(32);
  const newKey = crypto.randomBytes(32);

  it('opens secrets sealed under a previous key and seals only under the current one', () => {
    const sealedOld = new SecretBox(oldKey).seal('consumer-secret');
    const rotating = new SecretBox(newKey, [oldKey]);
    expect(rotating.open(sealedOld)).toBe('consumer-secret');
    const resealed = rotating.reseal(sealedOld)!;
    expect(new SecretBox(newKey).open(resealed)).toBe('consumer-secret');
    expect(() => new SecretBox(oldKey).open(resealed)).toThrow();
  });

  it('leaves a secret already under the current key alone', () => {
    const box = new SecretBox(newKey, [oldKey]);
    expect(box.reseal(box.seal('x'))).toBeNull();
  });

  it('refuses a secret no given key opens, without quoting it', () => {
    const sealed = new SecretBox(crypto.randomBytes(32)).seal('token-value');
    expect(() => new SecretBox(newKey, [oldKey]).reseal(sealed)).toThrow(/none of the 2 credentials key/);
    let message = '';
    try {
      new SecretBox(newKey).open(sealed);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/none of the 1 credentials key/);
    expect(message).not.toContain(sealed.slice(3, 20));
  });
});
