import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A certificate authority the sandbox generated: its certificate and the key that signs with it. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

/** A server certificate for the sandbox's loopback listeners, with its key. */
export interface ServerCertificate {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 86_400_000;

/**
 * A certificate serial number as forge takes it (hex), from 16 random bytes: the first byte is
 * kept in 0x01..0x7f so the DER INTEGER is positive and minimally encoded as it is. A serial
 * that starts with a zero byte followed by one below 0x80 is rejected by OpenSSL ("illegal
 * padding"): with the former `0` + 15 random bytes that happened once in 512 certificates, and
 * the sandbox then failed to start because Vault refused its cluster CA.
 */
export function serialNumber(bytes: Buffer = randomBytes(16)): string {
  const serial = Buffer.from(bytes);
  serial[0] = serial[0] & 0x7f || 0x01;
  return serial.toString('hex');
}

function newKeyPair() {
  return forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
}

/** Creates a self-signed CA, valid for `days` (one year by default). */
export function createCertificateAuthority(
  commonName: string,
  days = 365,
): CertificateAuthority {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  const name = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'gitops-secrets sandbox' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/**
 * Issues a TLS server certificate signed by `ca` for loopback names: `127.0.0.1` and
 * `localhost` unless other IPs or DNS names are given.
 */
export function issueServerCertificate(
  ca: CertificateAuthority,
  commonName: string,
  names: { ips?: string[]; dns?: string[] } = {},
  days = 30,
): ServerCertificate {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(names.ips ?? ['127.0.0.1']).map(ip => ({ type: 7, ip })),
    ...(names.dns ?? ['localhost']).map(value => ({ type: 2, value })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}
