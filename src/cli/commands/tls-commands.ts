import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { readTextFile } from '../data-file.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { printable } from '../text-format.js';

interface DataOption {
  readonly data?: string;
}

/** Writes a public file whole or not at all (a temporary file beside it, then renamed). */
async function writePublicFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.partial`;
  try {
    await writeFile(temporary, content, { mode: 0o644 });
    await chmod(temporary, 0o644);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError('file-not-found', `${path}: its folder does not exist`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') throw new CliError('file-unreadable', `${path}: cannot write there`);
    throw error;
  }
}

/**
 * Registers `tls import|show` (the server certificate in use) and `ca export` (the
 * Forgeline CA for clients to trust). They work on the data folder of this machine,
 * not through the API, like `init`.
 */
export function registerTlsCommands(program: Command, context: CliContext): void {
  const { io, config } = context;
  const dataDirOf = (options: DataOption): string => resolve(options.data ?? config.dataDir);
  const dataOption = `the data folder (env FORGELINE_DATA, default ${config.dataDir})`;
  const tls = program.command('tls').description("the server's TLS certificate: import one from the plant's PKI, or show the one in use");

  tls
    .command('import')
    .description('serve a certificate the plant issued instead of the Forgeline CA\'s (checked first: chain, key, validity, SAN; used from the next start)')
    .requiredOption('--cert <file>', 'the PEM certificate chain: the server certificate first, then any intermediates')
    .requiredOption('--key <file>', "the server certificate's private key (PEM, unencrypted)")
    .option('--data <dir>', dataOption)
    .action(async (options: DataOption & { cert: string; key: string }) => {
      const chainPem = await readTextFile(options.cert);
      const keyPem = await readTextFile(options.key);
      // Loaded on demand, as for init: the API commands do not need the server.
      const { importOperatorCertificate } = await import('../../server/index.js');
      const dataDir = dataDirOf(options);
      const leaf = await importOperatorCertificate({ dataDir, chainPem, keyPem, now: context.now(), databaseUrl: context.config.databaseUrl ?? undefined });
      io.out(`imported the server certificate of ${printable(leaf.subject)} (${printable(leaf.subjectAltName)}) into ${dataDir}`);
      io.out(`valid until ${leaf.validTo}; SHA-256 fingerprint ${leaf.fingerprint256}`);
      io.err('the server uses it from its next start; the Forgeline CA stays for devices (forgeline ca export)');
    });

  withJsonOption(tls.command('show').description('show the server certificate in use: subject, SAN, issuer, validity, SHA-256 fingerprint, and who issued it'))
    .option('--data <dir>', dataOption)
    .action(async (options: DataOption & { json?: boolean }) => {
      const { loadServerTls, readManifest } = await import('../../server/index.js');
      const dataDir = dataDirOf(options);
      const inUse = await loadServerTls(dataDir, await readManifest(dataDir), context.now());
      if (options.json) return printJson(io, { source: inUse.source, file: inUse.certFile, ...inUse.leaf, warning: inUse.warning });
      printLines(io, [
        `in use: ${inUse.source === 'operator' ? 'operator certificate (forgeline tls import)' : 'issued by the Forgeline CA'} (${inUse.certFile})`,
        `subject: ${printable(inUse.leaf.subject)}`,
        `subject alternative names: ${printable(inUse.leaf.subjectAltName)}`,
        `issuer: ${printable(inUse.leaf.issuer)}`,
        `valid from: ${inUse.leaf.validFrom}`,
        `valid until: ${inUse.leaf.validTo}`,
        `SHA-256 fingerprint: ${inUse.leaf.fingerprint256}`,
      ]);
      if (inUse.warning) io.err(`warning: ${printable(inUse.warning)}`);
    });

  program
    .command('ca')
    .description('the Forgeline certificate authority of a data folder')
    .command('export')
    .description('write the Forgeline CA certificate (PEM) for clients to trust; its SHA-256 fingerprint goes to standard error, to compare out of band')
    .option('--out <file>', 'write it to this file (default: standard output)')
    .option('--data <dir>', dataOption)
    .action(async (options: DataOption & { out?: string }) => {
      const { readCaCertificate } = await import('../../server/index.js');
      const ca = await readCaCertificate(dataDirOf(options));
      if (options.out) await writePublicFile(options.out, ca.pem);
      else io.out(ca.pem.trimEnd());
      io.err(`SHA-256 fingerprint: ${ca.fingerprint256}`);
    });
}
