import { AttributeIds, DataType, VariantArrayType } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobControlServer, SimulatedMachine, trustClientCertificate, type JobEvent, type MachineAction } from '../../src/agent/opcua/index.js';
import { tempFolder } from '../support/temp-folders.js';
import { connectRawClient, machineCertificate, text, texts, type RawClient } from './opcua-test-clients.js';

const MACHINE_URI = 'urn:forgeline:test:machine';
let sequence = 0;

/** A verified order's content as the agent hands it over (the shape of orderContentSchema). */
function orderContent(quantity = '12') {
  return {
    number: 'PO-1',
    item: { code: 'GEAR-12', revision: 'A' },
    quantity: { value: quantity, unit: 'pcs' },
    operations: [{ seq: 10, code: 'MILL', description: 'Mill teeth' }],
    parameters: { recipe: 'R-7', setpoints: [{ name: 'spindle', value: '1200', unit: 'rpm' }] },
    customerReference: 'secret customer',
  };
}

function offerJob(server: JobControlServer, quantity?: string): string {
  sequence += 1;
  const jobOrderId = `job-${sequence}`;
  server.offer({ jobOrderId, orderNumber: `PO-${sequence}`, content: orderContent(quantity) });
  return jobOrderId;
}

describe('JobControlServer with a trusted machine', () => {
  const agentPki = tempFolder('forgeline-opcua-agent-');
  const machinePki = tempFolder('forgeline-opcua-machine-');
  const server = new JobControlServer({ port: 0, host: '127.0.0.1', hostname: 'localhost', pkiDir: agentPki, applicationUri: 'urn:forgeline:test:agent' });
  const events: JobEvent[] = [];
  let client: RawClient;

  beforeAll(async () => {
    const certificate = await machineCertificate(machinePki, MACHINE_URI);
    await trustClientCertificate(agentPki, certificate.certificatePem);
    server.on('job', (event) => {
      events.push(event);
    });
    await server.start();
    client = await connectRawClient({ endpointUrl: server.endpointUrl, pkiDir: machinePki, applicationUri: MACHINE_URI, serverCertificatePem: server.certificatePem });
  });

  afterAll(async () => {
    await client?.close();
    await server.stop();
  });

  function eventsFor(jobOrderId: string): string[] {
    return events.filter((event) => event.jobOrderId === jobOrderId).map((event) => event.kind);
  }

  it('shows an offered job as AllowedToStart with the verified order content, but not the customer reference', async () => {
    const jobOrderId = offerJob(server, '40');
    expect(await client.read('JobOrderControl.JobOrderList')).toContain(jobOrderId);
    expect(await client.read(`JobOrders/${jobOrderId}/State`)).toBe('AllowedToStart');
    expect(await client.read(`JobOrders/${jobOrderId}/StateNumber`)).toBe(2);
    expect(await client.read(`JobOrders/${jobOrderId}/Substate`)).toBe('Ready');
    expect(await client.read(`JobOrders/${jobOrderId}/ItemCode`)).toBe('GEAR-12');
    expect(await client.read(`JobOrders/${jobOrderId}/Quantity`)).toBe('40');
    expect(await client.read(`JobOrders/${jobOrderId}/Recipe`)).toBe('R-7');
    expect(JSON.parse(String(await client.read(`JobOrders/${jobOrderId}/Setpoints`)))).toEqual([{ name: 'spindle', value: '1200', unit: 'rpm' }]);
    const everything = await Promise.all(['OrderNumber', 'Operations', 'Setpoints', 'Recipe'].map((name) => client.read(`JobOrders/${jobOrderId}/${name}`)));
    expect(JSON.stringify(everything)).not.toContain('secret customer');
  });

  it('runs Start, Pause, Resume, ReportResults and Stop, emitting each transition and answering ReturnStatus 1', async () => {
    const jobOrderId = offerJob(server);
    const result = await client.session.call({
      objectId: `ns=${client.namespaceIndex};s=JobOrderControl`,
      methodId: `ns=${client.namespaceIndex};s=JobOrderControl.Start`,
      inputArguments: [text(jobOrderId), { dataType: DataType.LocalizedText, arrayType: VariantArrayType.Array, value: [{ text: 'shift A' }] }],
    });
    expect(result.statusCode.name).toBe('Good');
    expect(result.outputArguments?.[0]?.value).toEqual([0, 1]);
    expect(await client.read(`JobOrders/${jobOrderId}/State`)).toBe('Running');
    expect(await client.command('Pause', jobOrderId)).toBe('Good');
    expect(await client.read(`JobOrders/${jobOrderId}/State`)).toBe('Interrupted');
    expect(await client.read(`JobOrders/${jobOrderId}/Substate`)).toBe('Suspended');
    expect(await client.command('Resume', jobOrderId)).toBe('Good');
    expect(await client.call('ReportResults', [text(jobOrderId), text('5'), text('1'), texts(['LOT-A'])])).toBe('Good');
    expect(await client.call('ReportResults', [text(jobOrderId), text('11.50'), text('1'), texts(['LOT-B', 'LOT-A'])])).toBe('Good');
    expect(await client.command('Stop', jobOrderId)).toBe('Good');
    expect(await client.read(`JobOrders/${jobOrderId}/State`)).toBe('Ended');
    expect(await client.read(`JobOrders/${jobOrderId}/Substate`)).toBe('Completed');
    expect(await client.read(`JobOrders/${jobOrderId}/GoodQuantity`)).toBe('11.5');
    expect(await client.read(`JobOrders/${jobOrderId}/MaterialLots`)).toEqual(['LOT-A', 'LOT-B']);

    expect(eventsFor(jobOrderId)).toEqual(['started', 'paused', 'resumed', 'progress', 'progress', 'completed']);
    const ofJob = events.filter((event) => event.jobOrderId === jobOrderId);
    expect(ofJob[0]).toMatchObject({ kind: 'started', state: 'Running', comment: 'shift A', orderNumber: expect.stringMatching(/^PO-/) });
    expect(ofJob.at(-1)).toMatchObject({ kind: 'completed', state: 'Ended', good: '11.5', scrap: '1', lots: ['LOT-A', 'LOT-B'] });

    expect(await client.command('Clear', jobOrderId)).toBe('Good');
    expect(eventsFor(jobOrderId).at(-1)).toBe('cleared');
    expect(await client.read('JobOrderControl.JobOrderList')).not.toContain(jobOrderId);
    expect(server.job(jobOrderId)).toBeUndefined();
  });

  it('refuses illegal transitions with BadInvalidState and emits nothing', async () => {
    const jobOrderId = offerJob(server);
    expect(await client.command('Stop', jobOrderId)).toBe('BadInvalidState');
    expect(await client.command('Pause', jobOrderId)).toBe('BadInvalidState');
    expect(await client.command('Clear', jobOrderId)).toBe('BadInvalidState');
    expect(await client.call('ReportResults', [text(jobOrderId), text('1'), text('0'), texts([])])).toBe('BadInvalidState');
    expect(await client.command('Start', jobOrderId)).toBe('Good');
    expect(await client.command('Start', jobOrderId)).toBe('BadInvalidState');
    expect(await client.command('Resume', jobOrderId)).toBe('BadInvalidState');
    expect(await client.command('Cancel', jobOrderId)).toBe('BadInvalidState');
    expect(eventsFor(jobOrderId)).toEqual(['started']);
    expect(server.job(jobOrderId)?.state).toBe('Running');
  });

  it('answers Store and StoreAndStart for a job the agent did not verify with BadInvalidArgument, and nothing runs', async () => {
    const before = events.length;
    expect(await client.command('Store', 'job-never-offered')).toBe('BadInvalidArgument');
    expect(await client.command('StoreAndStart', 'job-never-offered')).toBe('BadInvalidArgument');
    expect(await client.command('Start', 'job-never-offered')).toBe('BadInvalidArgument');
    expect(events.length).toBe(before);
    expect(server.job('job-never-offered')).toBeUndefined();
    expect(await client.read('JobOrderControl.JobOrderList')).not.toContain('job-never-offered');
  });

  it('starts an offered job on StoreAndStart; Store of an offered job changes nothing', async () => {
    const jobOrderId = offerJob(server);
    expect(await client.command('Store', jobOrderId)).toBe('Good');
    expect(eventsFor(jobOrderId)).toEqual([]);
    expect(await client.command('StoreAndStart', jobOrderId)).toBe('Good');
    expect(eventsFor(jobOrderId)).toEqual(['started']);
    expect(await client.read(`JobOrders/${jobOrderId}/State`)).toBe('Running');
  });

  it('cancels a job not yet started and aborts a running one', async () => {
    const waiting = offerJob(server);
    expect(await client.command('Cancel', waiting)).toBe('Good');
    expect(server.job(waiting)).toBeUndefined();
    const running = offerJob(server);
    await client.command('Start', running);
    expect(await client.command('Abort', running)).toBe('Good');
    expect(await client.read(`JobOrders/${running}/State`)).toBe('Aborted');
    expect(await client.read(`JobOrders/${running}/StateNumber`)).toBe(6);
    expect([eventsFor(waiting), eventsFor(running)]).toEqual([['cancelled'], ['started', 'aborted']]);
  });

  it('refuses results that are malformed, negative or going down, and ignores a resent identical report', async () => {
    const jobOrderId = offerJob(server);
    await client.command('Start', jobOrderId);
    expect(await client.call('ReportResults', [text(jobOrderId), text('5'), text('0'), texts([])])).toBe('Good');
    expect(await client.call('ReportResults', [text(jobOrderId), text('4'), text('0'), texts([])])).toBe('BadOutOfRange');
    expect(await client.call('ReportResults', [text(jobOrderId), text('6'), text('-1'), texts([])])).toBe('BadOutOfRange');
    expect(await client.call('ReportResults', [text(jobOrderId), text('six'), text('0'), texts([])])).toBe('BadInvalidArgument');
    expect(await client.call('ReportResults', [text(jobOrderId), text('6'), text('0'), texts(['has space'])])).toBe('BadInvalidArgument');
    expect(await client.call('ReportResults', [text(jobOrderId), { dataType: DataType.Double, value: 6 }, text('0'), texts([])])).not.toBe('Good');
    expect(await client.call('ReportResults', [text(jobOrderId), text('5'), text('0'), texts([])])).toBe('Good');
    expect(eventsFor(jobOrderId)).toEqual(['started', 'progress']);
    expect(await client.read(`JobOrders/${jobOrderId}/GoodQuantity`)).toBe('5');
  });

  it('keeps every variable read-only to the machine', async () => {
    const jobOrderId = offerJob(server);
    const status = await client.session.write({
      nodeId: `ns=${client.namespaceIndex};s=JobOrders/${jobOrderId}/State`,
      attributeId: AttributeIds.Value,
      value: { value: { dataType: DataType.String, value: 'Running' } },
    });
    expect(status.isGood()).toBe(false);
    expect(await client.read(`JobOrders/${jobOrderId}/State`)).toBe('AllowedToStart');
  });

  it('answers the machine only after the agent handled the event, and changes nothing when the agent fails', async () => {
    const jobOrderId = offerJob(server);
    const order: string[] = [];
    let fail = true;
    const slow = async (event: JobEvent) => {
      if (event.jobOrderId !== jobOrderId) return;
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (fail) throw new Error('journal disk full');
      order.push('handled');
    };
    server.on('job', slow);
    try {
      expect(await client.command('Start', jobOrderId)).toBe('BadInternalError');
      expect(server.job(jobOrderId)?.state).toBe('AllowedToStart');
      fail = false;
      const status = await client.command('Start', jobOrderId);
      order.push('answered');
      expect(status).toBe('Good');
      expect(order).toEqual(['handled', 'answered']);
    } finally {
      server.off('job', slow);
    }
  });

  it('lets a simulated machine run an offered job from Start to Stop and Clear', async () => {
    const machine = new SimulatedMachine({
      endpointUrl: server.endpointUrl, pkiDir: machinePki, applicationUri: MACHINE_URI, serverCertificatePem: server.certificatePem,
      securityPolicy: 'Aes256_Sha256_RsaPss', jobDurationMs: 100, reportsPerJob: 3, pauseOnce: true,
    });
    const actions: MachineAction[] = [];
    const cleared = new Promise<void>((resolve) => machine.on('action', (action) => {
      actions.push(action);
      if (action.action === 'cleared') resolve();
    }));
    // Jobs left in AllowedToStart by earlier tests are the machine's to run as well.
    for (const job of server.jobs().filter((entry) => entry.state === 'AllowedToStart')) await client.command('Cancel', job.jobOrderId);
    const jobOrderId = offerJob(server, '30');
    await machine.start();
    try {
      await cleared;
    } finally {
      await machine.stop();
    }
    expect(actions.filter((action) => action.jobOrderId === jobOrderId).map((action) => action.action)).toEqual(['started', 'reported', 'reported', 'paused', 'resumed', 'reported', 'stopped', 'cleared']);
    const kinds = eventsFor(jobOrderId);
    expect(kinds).toEqual(['started', 'progress', 'progress', 'paused', 'resumed', 'progress', 'completed', 'cleared']);
    const completed = events.find((event) => event.jobOrderId === jobOrderId && event.kind === 'completed');
    expect(completed).toMatchObject({ good: '30', scrap: '2', lots: [`LOT-${jobOrderId}-1`, `LOT-${jobOrderId}-2`, `LOT-${jobOrderId}-3`] });
  });

  it('lets a machine halt mid-run: the job stays Running with the counts reported so far, and nothing completes', async () => {
    const machine = new SimulatedMachine({
      endpointUrl: server.endpointUrl, pkiDir: machinePki, applicationUri: MACHINE_URI, serverCertificatePem: server.certificatePem,
      jobDurationMs: 100, reportsPerJob: 4, haltAfterReports: 2,
    });
    const halted = new Promise<void>((resolve) => machine.on('action', (action) => {
      if (action.action === 'halted') resolve();
    }));
    for (const job of server.jobs().filter((entry) => entry.state === 'AllowedToStart')) await client.command('Cancel', job.jobOrderId);
    const jobOrderId = offerJob(server, '8');
    await machine.start();
    try {
      await halted;
    } finally {
      await machine.stop();
    }
    expect(server.job(jobOrderId)).toMatchObject({ state: 'Running', good: '4', scrap: '1' });
    expect(eventsFor(jobOrderId)).toEqual(['started', 'progress', 'progress']);
  });
});
