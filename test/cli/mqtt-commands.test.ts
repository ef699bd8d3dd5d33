import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initDataFolder } from '../../src/server/index.js';
import { tempFolder } from '../support/temp-folders.js';
import { run } from './cli-harness.js';

describe('forgeline mqtt config', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = join(tempFolder('forgeline-mqtt-cli-'), 'data');
    await initDataFolder({ dataDir });
  });

  it('writes the broker folder, one line per file, keys readable by the owner only', async () => {
    const out = join(tempFolder('forgeline-mqtt-out-'), 'broker');
    const result = await run(['mqtt', 'config', '--data', dataDir, '--out', out, '--port', '18883', '--host', 'mqtt.plant.example', '--host', '10.0.0.5']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.map((line) => line.split(':')[0])).toEqual(
      ['mosquitto.conf', 'acl', 'ca.pem', 'broker.pem', 'broker-key.pem', 'crl.pem', 'forgeline-server.pem', 'forgeline-server-key.pem'].map((name) => `wrote ${join(out, name)}`),
    );
    expect(result.stderr.join('\n')).toContain(`mosquitto -c ${join(out, 'mosquitto.conf')}`);
    for (const name of ['broker-key.pem', 'forgeline-server-key.pem', 'acl']) expect((await stat(join(out, name))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(out, 'mosquitto.conf'), 'utf8')).toMatch(/^listener 18883$/m);
    expect(await readFile(join(out, 'ca.pem'), 'utf8')).toBe(await readFile(join(dataDir, 'tls', 'ca.pem'), 'utf8'));

    const again = await run(['mqtt', 'config', '--data', dataDir, '--out', out]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toEqual([expect.stringContaining('--force')]);
    expect((await run(['mqtt', 'config', '--data', dataDir, '--out', out, '--force', '--tls-min-version', '1.2'])).exitCode).toBe(0);
    expect(await readFile(join(out, 'mosquitto.conf'), 'utf8')).toMatch(/^tls_version tlsv1\.2$/m);
  });

  it('refuses bad input with one line', async () => {
    const out = join(tempFolder('forgeline-mqtt-out-'), 'broker');
    const cases: [string[], number][] = [
      [['--port', '70000'], 2],
      [['--tls-min-version', '1.1'], 2],
      [['--host', 'not a host'], 2],
    ];
    for (const [extra, code] of cases) {
      const result = await run(['mqtt', 'config', '--data', dataDir, '--out', out, ...extra]);
      expect(result.exitCode, extra.join(' ')).toBe(code);
      expect(result.stderr).toHaveLength(1);
    }
    const missing = await run(['mqtt', 'config', '--data', join(out, 'nowhere'), '--out', out]);
    expect(missing).toMatchObject({ exitCode: 1, stderr: [expect.stringMatching(/^forgeline: not-found: .*not a Forgeline data folder/)] });
    const file = join(tempFolder('forgeline-mqtt-out-'), 'a-file');
    await writeFile(file, 'x');
    const unwritable = await run(['mqtt', 'config', '--data', dataDir, '--out', join(file, 'broker')]);
    expect(unwritable).toMatchObject({ exitCode: 1, stderr: [expect.stringMatching(/^forgeline: file-unreadable: .*cannot write there/)] });
  });
});
