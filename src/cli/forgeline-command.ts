import { Command, type ParseOptionsResult } from 'commander';

/**
 * A signing key's id is its RFC 7638 thumbprint: 43 base64url characters,
 * which begin with '-' one time in 32. Commander would read such an id as
 * an unknown option, so a leaf command holds it aside as an operand.
 */
const KEY_ID_SHAPE = /^-[A-Za-z0-9_-]{42}$/;
const HELD = '\u{E000}';

/** The CLI's command: Commander's, but an argument shaped like a key id is an operand. */
export class ForgelineCommand extends Command {
  override createCommand(name?: string): ForgelineCommand {
    return new ForgelineCommand(name);
  }

  override parseOptions(args: string[]): ParseOptionsResult {
    if (this.commands.length > 0) return super.parseOptions(args);
    const masked = args.map((arg, index) =>
      KEY_ID_SHAPE.test(arg) && !this.takesValue(args[index - 1]) ? `${HELD}${arg}` : arg,
    );
    const parsed = super.parseOptions(masked);
    return { operands: parsed.operands.map(unmask), unknown: parsed.unknown.map(unmask) };
  }

  /** Whether `arg` is one of this command's options that takes the next argument as its value. */
  private takesValue(arg: string | undefined): boolean {
    if (arg === undefined || arg.includes('=')) return false;
    return this.options.some((option) => (option.long === arg || option.short === arg) && (option.required || option.optional));
  }
}

function unmask(arg: string): string {
  return arg.startsWith(HELD) ? arg.slice(HELD.length) : arg;
}
