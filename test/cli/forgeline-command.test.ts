import { describe, expect, it } from 'vitest';
import { ForgelineCommand } from '../../src/cli/forgeline-command.js';

const KID_WITH_DASH = '-WgKz3wABYPVrovAf9W6h8tKqdPG5BJUcBzdDXXOlbI';

function revokeProgram(): { program: ForgelineCommand; seen: { kid?: string; since?: string; reason?: string }[] } {
  const seen: { kid?: string; since?: string; reason?: string }[] = [];
  const program = new ForgelineCommand('forgeline').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.option('--server <url>', 'server');
  const keys = program.command('keys');
  keys
    .command('revoke <kid>')
    .requiredOption('--since <time>', 'since')
    .option('--reason <text>', 'reason')
    .action((kid: string, options: { since: string; reason?: string }) => {
      seen.push({ kid, since: options.since, reason: options.reason });
    });
  return { program, seen };
}

describe('ForgelineCommand', () => {
  it('takes a key id that begins with a dash as the operand, wherever the options are', () => {
    const { program, seen } = revokeProgram();
    program.parse(['keys', 'revoke', KID_WITH_DASH, '--since', '2026-01-01T00:00:00Z', '--reason', 'copied'], { from: 'user' });
    program.parse(['keys', 'revoke', '--since', 'now', KID_WITH_DASH, '--server', 'https://a'], { from: 'user' });
    expect(seen).toEqual([
      { kid: KID_WITH_DASH, since: '2026-01-01T00:00:00Z', reason: 'copied' },
      { kid: KID_WITH_DASH, since: 'now', reason: undefined },
    ]);
  });

  it('leaves a key-id-shaped value to the option before it', () => {
    const { program, seen } = revokeProgram();
    program.parse(['keys', 'revoke', 'kid1', '--reason', KID_WITH_DASH, '--since', 'now'], { from: 'user' });
    expect(seen).toEqual([{ kid: 'kid1', since: 'now', reason: KID_WITH_DASH }]);
  });

  it('still refuses an unknown option that is not shaped like a key id', () => {
    const { program, seen } = revokeProgram();
    expect(() => program.parse(['keys', 'revoke', 'kid1', '--since', 'now', '--reasn', 'x'], { from: 'user' })).toThrow(/unknown option '--reasn'/);
    expect(() => program.parse(['keys', 'revoke', '-WgKz3w', '--since', 'now'], { from: 'user' })).toThrow(/unknown option '-WgKz3w'/);
    expect(seen).toEqual([]);
  });
});
