/**
 * Password policy after NIST SP 800-63B §5.1.1.2: a length range, no
 * composition rules, and a refusal of passwords an attacker tries first.
 */
import { createRequire } from 'node:module';
import type * as LanguageCommon from '@zxcvbn-ts/language-common';
import { MIN_PASSWORD_LENGTH } from './passwords.js';

/** Longest password accepted, in code points; enough for any passphrase, bounded for hashing cost. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Why a password is refused; stable, for API errors and tests. */
export const PASSWORD_PROBLEMS = ['too-short', 'too-long', 'common', 'contains-username', 'repeated-character'] as const;
/** One of `PASSWORD_PROBLEMS`. */
export type PasswordProblem = (typeof PASSWORD_PROBLEMS)[number];

/** Outcome of `checkPasswordPolicy`; `reason` is safe to show and never contains the password. */
export type PasswordPolicyResult = { readonly ok: true } | { readonly ok: false; readonly problem: PasswordProblem; readonly reason: string };

/** Who the password is for, so it can be checked against their own name. */
export interface PasswordPolicyContext {
  readonly username?: string;
}

// Usernames shorter than this would refuse too much if searched for inside passwords; they are refused only whole.
const MIN_USERNAME_SEARCH = 3;
// A common password counts inside a longer one only from this length, so "zq" does not spoil "zq#8$1@9!0&2".
const MIN_COMMON_BASE = 4;
// Past this many UTF-16 units the code point count cannot be in range, whatever NFKC does; skips normalizing huge input.
const MAX_RAW_UNITS = MAX_PASSWORD_LENGTH * 8;

let commonSet: ReadonlySet<string> | undefined;

/**
 * The list of common and breached passwords (about 49,000 from
 * @zxcvbn-ts/language-common, shipped in the package), lowercased; loaded on first use.
 */
export function commonPasswords(): ReadonlySet<string> {
  if (commonSet === undefined) {
    // Loaded lazily with require: the package decompresses its list on import, which start-up need not pay for.
    const pkg = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof LanguageCommon;
    commonSet = new Set(pkg.dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
  }
  return commonSet;
}

/**
 * Checks a new password against the policy. Length is counted in Unicode code
 * points after NFKC normalization (SP 800-63B §5.1.1.2); no character classes are demanded.
 */
export function checkPasswordPolicy(password: string, context: PasswordPolicyContext = {}): PasswordPolicyResult {
  if (password.length > MAX_RAW_UNITS) return refuse('too-long');
  const normalized = password.normalize('NFKC');
  const codePoints = [...normalized];
  if (codePoints.length < MIN_PASSWORD_LENGTH) return refuse('too-short');
  if (codePoints.length > MAX_PASSWORD_LENGTH) return refuse('too-long');
  if (codePoints.every((char) => char === codePoints[0])) return refuse('repeated-character');
  const lower = normalized.toLowerCase();
  const username = (context.username ?? '').normalize('NFKC').toLowerCase();
  if (username.length > 0 && (lower === username || ([...username].length >= MIN_USERNAME_SEARCH && lower.includes(username)))) {
    return refuse('contains-username');
  }
  if (isCommon(lower)) return refuse('common');
  return { ok: true };
}

/**
 * A password counts as common when it is on the list, is a listed password
 * repeated ("qwertyqwerty"), or is one of those followed only by digits,
 * symbols or spaces ("password1234", "qwertyuiop123!").
 */
function isCommon(lower: string): boolean {
  const list = commonPasswords();
  const isListed = (text: string): boolean => list.has(text) || isRepeatOf(text, list);
  if (isListed(lower)) return true;
  // Drop trailing non-letters one by one; each prefix left is a candidate base.
  const chars = [...lower];
  for (let end = chars.length - 1; end >= MIN_COMMON_BASE && !/\p{L}/u.test(chars[end]!); end--) {
    if (isListed(chars.slice(0, end).join(''))) return true;
  }
  return false;
}

// True when `text` is two or more copies of one listed password.
function isRepeatOf(text: string, list: ReadonlySet<string>): boolean {
  for (let size = 1; size <= text.length / 2; size++) {
    if (text.length % size !== 0) continue;
    const unit = text.slice(0, size);
    if (unit.repeat(text.length / size) === text && list.has(unit)) return true;
  }
  return false;
}

const REASONS: Readonly<Record<PasswordProblem, string>> = {
  'too-short': `Use at least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words make a good passphrase.`,
  'too-long': `Use at most ${MAX_PASSWORD_LENGTH} characters.`,
  common: 'This password is on a list of common or breached passwords; choose another.',
  'contains-username': 'The password must not contain the username.',
  'repeated-character': 'The password must not be a single character repeated.',
};

function refuse(problem: PasswordProblem): PasswordPolicyResult {
  return { ok: false, problem, reason: REASONS[problem] };
}
