/** Raw OPC UA clients for the job control tests: connect with chosen security and identity, call a method, read a value. */
import { readFile } from 'node:fs/promises';
import {
  AttributeIds, CreateSessionResponse, DataType, GetEndpointsResponse, MessageSecurityMode, OPCUAClient, SecurityPolicy, UserTokenPolicy, UserTokenType, VariantArrayType,
  type ClientSession, type EndpointDescription, type OPCUACertificateManager, type UserIdentityInfo, type VariantOptions,
} from 'node-opcua';
import {
  certificatePemToDer, ensureApplicationCertificate, JOB_CONTROL_NAMESPACE_URI, openCertificateStore, opcuaPkiPaths, trustServerCertificate,
  type ApplicationCertificate, type JobControlMethod,
} from '../../src/agent/opcua/index.js';

/** A machine-side PKI: its certificate, made once per folder. */
export async function machineCertificate(pkiDir: string, applicationUri: string): Promise<ApplicationCertificate> {
  return ensureApplicationCertificate(pkiDir, { applicationUri, applicationName: 'Test machine', dnsNames: ['localhost'] });
}

/** How to connect: security, identity, and whether to smuggle an Anonymous policy into what the client believes the server offers. */
export interface RawClientOptions {
  readonly endpointUrl: string;
  readonly pkiDir: string;
  readonly applicationUri: string;
  readonly serverCertificatePem: string;
  readonly securityMode?: MessageSecurityMode;
  readonly securityPolicy?: SecurityPolicy;
  /** 'x509' (the machine certificate), 'anonymous', or a user name and password. */
  readonly identity?: 'x509' | 'anonymous' | { readonly userName: string; readonly password: string };
  /**
   * Adds a token policy of this type to the endpoints the server describes before the client
   * reads them, so the client sends such a token and the server must refuse it itself.
   */
  readonly forgeTokenPolicy?: UserTokenType;
}

/** A connected raw client and its session; `close` ends both. */
export interface RawClient {
  readonly client: OPCUAClient;
  readonly session: ClientSession;
  readonly namespaceIndex: number;
  /** Calls a method and answers the status name ('Good', 'BadInvalidState', ...). */
  call(method: JobControlMethod, args: readonly VariantOptions[]): Promise<string>;
  command(method: JobControlMethod, jobOrderId: string): Promise<string>;
  read(identifier: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Connects and creates a session; rejects as node-opcua does when the server refuses. Cleans up after itself on failure. */
export async function connectRawClient(options: RawClientOptions): Promise<RawClient> {
  const certificate = await machineCertificate(options.pkiDir, options.applicationUri);
  await trustServerCertificate(options.pkiDir, options.serverCertificatePem);
  const store: OPCUACertificateManager = await openCertificateStore(opcuaPkiPaths(options.pkiDir).applicationStore);
  const client = OPCUAClient.create({
    applicationUri: options.applicationUri,
    securityMode: options.securityMode ?? MessageSecurityMode.SignAndEncrypt,
    securityPolicy: options.securityPolicy ?? SecurityPolicy.Basic256Sha256,
    serverCertificate: certificatePemToDer(options.serverCertificatePem),
    endpointMustExist: false,
    clientCertificateManager: store,
    certificateFile: certificate.certificateFile,
    privateKeyFile: certificate.privateKeyFile,
    connectionStrategy: { maxRetry: 0, initialDelay: 10, maxDelay: 20 },
    transportTimeout: 5000,
  });
  const forged = options.forgeTokenPolicy;
  if (forged !== undefined) {
    const forge = (endpoints: readonly EndpointDescription[] | null | undefined) => {
      for (const endpoint of endpoints ?? []) {
        endpoint.userIdentityTokens = [...(endpoint.userIdentityTokens ?? []), new UserTokenPolicy({ policyId: `forged-${forged}`, tokenType: forged })];
      }
    };
    client.on('receive_response', (message: unknown) => {
      if (message instanceof GetEndpointsResponse) forge(message.endpoints);
      if (message instanceof CreateSessionResponse) forge(message.serverEndpoints);
    });
  }
  try {
    await client.connect(options.endpointUrl);
    const session = await client.createSession(await identityOf(options.identity ?? 'x509', certificate));
    const namespaceIndex = (await session.readNamespaceArray()).indexOf(JOB_CONTROL_NAMESPACE_URI);
    const nodeId = (identifier: string) => `ns=${namespaceIndex};s=${identifier}`;
    const call = async (method: JobControlMethod, args: readonly VariantOptions[]) =>
      (await session.call({ objectId: nodeId('JobOrderControl'), methodId: nodeId(`JobOrderControl.${method}`), inputArguments: [...args] })).statusCode.name;
    return {
      client,
      session,
      namespaceIndex,
      call,
      command: (method, jobOrderId) => call(method, [text(jobOrderId), { dataType: DataType.LocalizedText, arrayType: VariantArrayType.Array, value: [] }]),
      read: async (identifier) => (await session.read({ nodeId: nodeId(identifier), attributeId: AttributeIds.Value })).value.value as unknown,
      close: async () => {
        await session.close().catch(() => undefined);
        await client.disconnect();
        await store.dispose();
      },
    };
  } catch (error) {
    await client.disconnect().catch(() => undefined);
    await store.dispose();
    throw error;
  }
}

/** A String variant. */
export function text(value: string): VariantOptions {
  return { dataType: DataType.String, value };
}

/** A String[] variant. */
export function texts(values: readonly string[]): VariantOptions {
  return { dataType: DataType.String, arrayType: VariantArrayType.Array, value: [...values] };
}

async function identityOf(identity: NonNullable<RawClientOptions['identity']>, certificate: ApplicationCertificate): Promise<UserIdentityInfo> {
  if (identity === 'anonymous') return { type: UserTokenType.Anonymous };
  if (identity === 'x509') {
    return { type: UserTokenType.Certificate, certificateData: certificate.certificateDer, privateKey: await readFile(certificate.privateKeyFile, 'utf8') };
  }
  return { type: UserTokenType.UserName, userName: identity.userName, password: identity.password };
}
