import { describe, expect, it } from 'vitest';
import { MAX_PASSWORD_LENGTH, PASSWORD_PROBLEMS, checkPasswordPolicy, commonPasswords } from '../../src/access/index.js';

const problemOf = (password: string, username?: string): string | null => {
  const result = checkPasswordPolicy(password, username === undefined ? {} : { username });
  return result.ok ? null : result.problem;
};

describe('checkPasswordPolicy', () => {
  it('pins the list of problems, which API errors rely on', () => {
    expect(PASSWORD_PROBLEMS).toEqual(['too-short', 'too-long', 'common', 'contains-username', 'repeated-character']);
  });

  it('accepts a long passphrase without any composition rule', () => {
    expect(checkPasswordPolicy('correct horse battery staple', { username: 'alice' })).toEqual({ ok: true });
    expect(checkPasswordPolicy('lathe spindle at dawn', { username: 'operator7' })).toEqual({ ok: true });
  });

  it('refuses fewer than 12 characters and accepts exactly 12', () => {
    expect(problemOf('vx7-kq2-mnp')).toBe('too-short');
    expect(problemOf('vx7-kq2-mnpz')).toBeNull();
  });

  it('counts Unicode code points after NFKC, not UTF-16 units', () => {
    const animals = ['🐶', '🐱', '🐭', '🐹', '🐰', '🦊', '🐻', '🐼', '🐨', '🐯', '🦁', '🐮'];
    // Eleven emoji are 22 UTF-16 units but 11 code points: too short.
    expect(problemOf(animals.slice(0, 11).join(''))).toBe('too-short');
    expect(problemOf(animals.join(''))).toBeNull();
    // 'ﬃ' is one code point that NFKC turns into three.
    expect(problemOf('ﬃﬃﬃtrawl')).toBeNull();
  });

  it('refuses more than 1024 characters, including huge input, without normalizing it', () => {
    const words = 'milling turning grinding ';
    const long = words.repeat(Math.ceil((MAX_PASSWORD_LENGTH + 1) / words.length)).slice(0, MAX_PASSWORD_LENGTH + 1);
    expect(problemOf(long)).toBe('too-long');
    expect(problemOf(long.slice(0, MAX_PASSWORD_LENGTH))).toBeNull();
    expect(problemOf('x'.repeat(10_000_000))).toBe('too-long');
  });

  it('refuses common and breached passwords, with digits or symbols after, or repeated', () => {
    for (const password of ['password1234', 'qwertyuiop123', '123456789012', 'qwertyqwerty', 'PASSWORD1234', 'Password123!!', 'passwordpassword', 'iloveyou2024!', '1qaz2wsx3edc', 'ｐａｓｓｗｏｒｄ１２３４']) {
      expect(problemOf(password), password).toBe('common');
    }
  });

  it('does not refuse a strong password that merely starts with a short common one', () => {
    expect(problemOf('zq#8$1@9!0&2')).toBeNull();
    expect(problemOf('dragonfly-kiln-orbit')).toBeNull();
  });

  it('refuses a password that is or contains the username, whatever the case', () => {
    expect(problemOf('maintenance-lead', 'maintenance-lead')).toBe('contains-username');
    expect(problemOf('Hello-Alice-lathe-77', 'alice')).toBe('contains-username');
    expect(problemOf('lathe spindle at dawn', 'ALICE')).toBeNull();
    // A very short username is refused only as the whole password.
    expect(problemOf('a quiet afternoon', 'qu')).toBeNull();
  });

  it('refuses a single character repeated', () => {
    expect(problemOf('aaaaaaaaaaaaaaaa')).toBe('repeated-character');
    expect(problemOf('🔥'.repeat(12))).toBe('repeated-character');
  });

  it('gives a reason that is safe to show and never echoes the password', () => {
    for (const password of ['short1', 'password1234', 'hello-alice-lathe', 'zzzzzzzzzzzzzz']) {
      const result = checkPasswordPolicy(password, { username: 'alice' });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason.length).toBeGreaterThan(10);
        expect(result.reason).not.toContain(password);
      }
    }
  });
});

describe('commonPasswords', () => {
  it('loads the list shipped in the package once, lowercased', () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThan(40_000);
    expect(list.has('password')).toBe(true);
    expect(list.has('qwertyuiop')).toBe(true);
    expect([...list].every((entry) => entry === entry.toLowerCase())).toBe(true);
    expect(commonPasswords()).toBe(list);
  });
});
