/** Cryptographic primitives: the one place the rest of Forgeline gets hashes, secrets and certificates from. */
export { CanonicalJsonError, canonicalJson, contentHash } from './canonical-json.js';
export { sha256Hex } from './sha256.js';
export { constantTimeEqual, hashToken, randomToken } from './secrets.js';
export {
  CertificateRequestError,
  createCertificateAuthority,
  issueServerCertificate,
  type CertificateAuthority,
  type CertificateAuthorityOptions,
  type ServerCertificate,
  type ServerCertificateOptions,
} from './tls-certificates.js';
export {
  SERVER_CERTIFICATE_PROBLEMS,
  checkServerCertificate,
  parseCertificateChain,
  summarizeCertificate,
  type CertificateSummary,
  type ServerCertificateCheck,
  type ServerCertificateProblem,
} from './server-certificate-check.js';
export * from './merkle.js';
export * from './order-jws.js';
export * from './keyring.js';
export * from './envelope.js';
export * from './device-csr.js';
export * from './device-crl.js';
export * from './device-pki.js';
export * from './order-jwks.js';
export * from './release-attestation.js';
