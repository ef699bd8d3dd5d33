/**
 * `npm run bench`: runs every benchmark in sequence and prints, per section,
 * each figure beside the machine's own limit measured in the same run, then
 * all figures as one `BENCH_JSON {...}` line. See bench/README.md.
 */
import { cpus, loadavg, platform, release } from 'node:os';
import { readAuditBenchConfig } from './audit-config.js';
import { auditSection } from './audit-section.js';
import { readBenchConfig, type BenchConfig } from './bench-config.js';
import { probePostgres, redactUrl } from './bench-stores.js';
import { httpsSection } from './https-bench.js';
import { driftSection, limitsSection, type MeasuredLimits, type PostgresAvailability } from './limits-section.js';
import { listSection } from './list-bench.js';
import { orderCryptoSection } from './order-crypto-bench.js';
import { renderSection, reportJson, section, type Section } from './report.js';
import { serviceSection } from './service-section.js';
import { shopFloorSection } from './shop-floor-bench.js';
import { msBetween, now } from './timing.js';
import { webSection } from './web-bench.js';

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The 1-minute load average, rounded: other work on the machine lowers every figure. */
function load(): number {
  return Number((loadavg()[0] ?? 0).toFixed(2));
}

async function postgresAvailability(config: BenchConfig): Promise<PostgresAvailability & { version?: string }> {
  if (!config.engines.includes('postgres')) return { enabled: false, unavailable: 'not selected (BENCH_ENGINES)' };
  const probe = await probePostgres(config.postgresUrl);
  if (probe.unavailable !== undefined) {
    progress(`${probe.unavailable}; PostgreSQL rows are skipped`);
    return { enabled: false, unavailable: probe.unavailable };
  }
  return { enabled: true, ...(probe.version ? { version: probe.version } : {}) };
}

async function main(): Promise<void> {
  const started = now();
  const config = readBenchConfig(process.env);
  const audit = readAuditBenchConfig(process.env, config);
  const postgres = await postgresAvailability(config);
  progress(`quick=${config.quick} engines=${config.engines.join(',')} sections=${config.sections.join(',')} postgres=${postgres.enabled ? redactUrl(config.postgresUrl) : 'off'}`);
  const loadAtStart = load();
  const cores = cpus().length;
  if (loadAtStart > cores) progress(`warning: load average ${loadAtStart} on ${cores} cores: other work is running, figures will be lower and noisier`);
  const sections: Section[] = [];
  let limits: MeasuredLimits = {};
  let failed = false;

  const run = async (name: string, title: string, body: () => Promise<Section>): Promise<void> => {
    progress(`${name}… (load average ${load()})`);
    const began = now();
    let part: Section;
    try {
      part = await body();
    } catch (error) {
      // One broken section must not hide the others' figures.
      failed = true;
      part = section(title);
      part.notes.push(`FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
    // A section that catches per figure (so the rest still print) marks what failed with FAILED.
    if (part.notes.some((note) => note.startsWith('FAILED')) || part.figures.some((figure) => figure.note?.startsWith('FAILED'))) failed = true;
    progress(`${name} done in ${(msBetween(began, now()) / 1000).toFixed(1)} s (load average ${load()})`);
    sections.push(part);
    process.stdout.write(`\n${renderSection(part)}\n`);
  };

  if (config.sections.includes('limits')) {
    await run('raw limits', '1. Raw limits of this machine', async () => {
      const measured = await limitsSection(config, postgres, config.threadPool);
      limits = measured.limits;
      return measured.section;
    });
  }
  if (config.sections.includes('service')) await run('order service', '2. Order service', () => serviceSection(config, postgres, limits));
  if (config.sections.includes('https')) {
    if (config.engines.includes('sqlite')) await run('HTTPS API', '3. HTTPS API', () => httpsSection(config, limits));
    else progress('HTTPS API skipped: it runs on SQLite, which BENCH_ENGINES leaves out');
  }
  if (config.sections.includes('list')) await run('listing', '4. Listing', () => listSection(config, postgres));
  if (config.sections.includes('limits') && config.sections.length > 1) await run('drift check', '5. Commit limits again at the end', () => driftSection(config, postgres, limits));
  // After the drift check: this section measures its own limits beside its figures, not section 1's.
  if (config.sections.includes('audit')) await run('audit log', '6. Audit log', () => auditSection(config, postgres, audit));
  if (config.sections.includes('crypto')) await run('signed and encrypted orders', '7. Signed and encrypted orders', () => orderCryptoSection(config));
  if (config.sections.includes('shopfloor')) await run('shop floor', '8. Shop floor: dispatch to the edge agents', () => shopFloorSection(config));
  if (config.sections.includes('web')) {
    if (config.engines.includes('sqlite')) await run('web UI', '9. Web UI', () => webSection(config));
    else progress('web UI skipped: it serves a SQLite data folder, which BENCH_ENGINES leaves out');
  }

  const cpuList = cpus();
  const json = reportJson(sections, {
    version: 1,
    quick: config.quick,
    machine: { cpus: cpuList.length, cpuModel: cpuList[0]?.model ?? '?', platform: `${platform()} ${release()}`, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: load() },
    postgres: postgres.enabled ? { version: postgres.version ?? '?' } : { skipped: postgres.unavailable ?? 'off' },
    settings: {
      limitMs: config.limitMs, phaseMs: config.phaseMs, httpsMs: config.httpsMs, concurrency: config.concurrency, listRows: config.listRows,
      auditTreeSizes: audit.treeSizes, auditExportEntries: audit.exportEntries,
    },
    seconds: Number((msBetween(started, now()) / 1000).toFixed(1)),
  });
  process.stdout.write(`\nBENCH_JSON ${JSON.stringify(json)}\n`);
  if (failed) process.exitCode = 1;
}

await main();
