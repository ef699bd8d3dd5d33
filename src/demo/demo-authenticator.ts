import { setTimeout as sleep } from 'node:timers/promises';
import { base32Decode, hotp, TOTP_PERIOD_SECONDS, totpStep, TOTP_WINDOW_STEPS } from '../access/index.js';
import type { DemoClient } from './demo-client.js';

/**
 * A demo person's authenticator app: it holds the TOTP secret enrolled over the
 * API and gives codes the server has not seen yet. A real app shows one code per
 * 30 s; the demo takes the next unused step within the server's window of one
 * step either side, and waits for the clock only when that window is used up.
 */
export class DemoAuthenticator {
  private lastStep: number;

  constructor(
    private readonly secret: Buffer,
    firstStep: number,
  ) {
    this.lastStep = firstStep;
  }

  /** Enrols a second factor for the holder of `client` (begin, then confirm with the first code), as a person would with their phone. */
  static async enrol(client: DemoClient): Promise<DemoAuthenticator> {
    const enrolment = await client.expect<{ secret: string }>(`enrol MFA for ${client.username}`, { method: 'POST', path: '/api/v1/users/me/mfa/enrolment' }, 201);
    const secret = base32Decode(enrolment.secret);
    const step = totpStep(Date.now());
    await client.expect(`confirm MFA for ${client.username}`, { method: 'POST', path: '/api/v1/users/me/mfa/confirm', body: { code: hotp(secret, step) } });
    return new DemoAuthenticator(secret, step);
  }

  /** A code for a step after every one given before, within the server's window of now. */
  async nextCode(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const step = Math.max(this.lastStep + 1, totpStep(now) - TOTP_WINDOW_STEPS);
      if (step <= totpStep(now) + TOTP_WINDOW_STEPS) {
        this.lastStep = step;
        return hotp(this.secret, step);
      }
      await sleep(TOTP_PERIOD_SECONDS * 1000 - (now % (TOTP_PERIOD_SECONDS * 1000)) + 50);
    }
  }
}

/** The fields of an electronic signature: the password re-entered, a meaning, and a one-time code when one is needed. */
export type SignatureFields = Readonly<{ password: string; meaning?: string; totp?: string }>;

/**
 * Electronic signatures of a person with a second factor: the first carries a
 * fresh code, which opens the server's signing window for their session; the
 * ones asked for meanwhile wait for it, then sign with the password alone.
 */
export class DemoSigner {
  private opened: Promise<boolean> | undefined;

  constructor(
    private readonly password: string,
    private readonly authenticator: DemoAuthenticator | null,
  ) {}

  /** Sends a signed request through `send` with the right fields. */
  async sign<T>(meaning: string | undefined, send: (fields: SignatureFields) => Promise<T>): Promise<T> {
    const fields: SignatureFields = meaning === undefined ? { password: this.password } : { password: this.password, meaning };
    if (this.authenticator === null) return send(fields);
    if (this.opened === undefined) {
      // Claimed before any await, so of the signatures asked for at once exactly one carries the code.
      let settle: (opened: boolean) => void = () => undefined;
      this.opened = new Promise<boolean>((resolve) => (settle = resolve));
      try {
        const answer = await send({ ...fields, totp: await this.authenticator.nextCode() });
        settle(true);
        return answer;
      } catch (error) {
        this.opened = undefined;
        settle(false);
        throw error;
      }
    }
    if (await this.opened) return send(fields);
    // The first signature failed meanwhile: the next one tries to open the window again.
    return this.sign(meaning, send);
  }
}
