import { describe, expect, it } from 'vitest';
import { DemoClient, HttpsConnection } from '../../src/demo/demo-client.js';

describe('demo client', () => {
  it('names the step when the server cannot be reached', async () => {
    const connection = new HttpsConnection('https://127.0.0.1:1', '');
    try {
      const client = new DemoClient(connection, 'anonymous');
      await expect(client.expect('sign in pia.planner', { method: 'GET', path: '/healthz' })).rejects.toThrow(/^demo failed at sign in pia.planner: GET \/healthz did not reach the server: /);
    } finally {
      await connection.close();
    }
  });
});
