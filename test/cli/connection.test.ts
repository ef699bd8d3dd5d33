import { describe, expect, it } from 'vitest';
import { readCliConfig } from '../../src/cli/cli-config.js';
import { resolveConnection } from '../../src/cli/connection.js';

const saved = { server: 'https://plant.example:8443', token: 'saved-token', ca: '/etc/forgeline/ca.pem', username: 'paula', expiresAt: '2030-01-01T00:00:00Z' };
const none = () => false;

describe('choosing the server, token and CA', () => {
  it('defaults to https://localhost:8443 and the data folder CA when present', () => {
    const config = readCliConfig({ FORGELINE_DATA: '/srv/fl' }, '/home/u');
    expect(resolveConnection(config, {}, null, (path) => path === '/srv/fl/tls/ca.pem')).toEqual({
      baseUrl: 'https://localhost:8443',
      token: null,
      login: null,
      caFile: '/srv/fl/tls/ca.pem',
    });
  });

  it('uses the saved login for its own server only', () => {
    const config = readCliConfig({}, '/home/u');
    expect(resolveConnection(config, {}, saved, none)).toMatchObject({ baseUrl: saved.server, token: 'saved-token', caFile: saved.ca });
    expect(resolveConnection(config, { server: 'https://other.example' }, saved, none)).toMatchObject({ baseUrl: 'https://other.example', token: null, caFile: null });
  });

  it('lets flags beat the environment, and the environment beat the saved login', () => {
    const config = readCliConfig({ FORGELINE_SERVER: 'https://env.example/', FORGELINE_TOKEN: 'env-token', FORGELINE_CA: '/env/ca.pem' }, '/home/u');
    expect(resolveConnection(config, {}, saved, none)).toMatchObject({ baseUrl: 'https://env.example', token: 'env-token', caFile: '/env/ca.pem' });
    expect(resolveConnection(config, { server: 'https://flag.example', ca: '/flag/ca.pem' }, saved, none)).toMatchObject({ baseUrl: 'https://flag.example', caFile: '/flag/ca.pem' });
  });

  it('refuses a --server that is not an http(s) URL as a usage error', () => {
    const config = readCliConfig({}, '/home/u');
    expect(() => resolveConnection(config, { server: 'ftp://x' }, null, none)).toThrow(/must start with https:\/\//);
  });

  it('lists every environment problem at once', () => {
    expect(() => readCliConfig({ FORGELINE_SERVER: 'nope', FORGELINE_PORT: '70000' }, '/home/u')).toThrow(/FORGELINE_SERVER: .*; FORGELINE_PORT: must be 0 to 65535/);
  });

  it('puts the credentials file under ~/.config/forgeline by default', () => {
    expect(readCliConfig({}, '/home/u').credentialsFile).toBe('/home/u/.config/forgeline/credentials.json');
  });
});
