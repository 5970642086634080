import forge from 'node-forge';
import { constants, generateKeyPairSync, privateEncrypt } from 'node:crypto';

function selfSigned(commonName: string) {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, keys };
}

/**
 * A throwaway self-signed CA certificate in PEM, for tests that need a valid one.
 *
 * @public
 */
export function createTestCaPem(commonName = 'sandbox-test-ca'): string {
  return forge.pki.certificateToPem(selfSigned(commonName).cert);
}

/**
 * A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost, valid for a
 * day: enough to serve the emulator over HTTPS in a test.
 *
 * @public
 */
export function createTestServerTls(): {
  ca: string;
  cert: string;
  key: string;
} {
  const ca = selfSigned('sandbox-test-ca');
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '02';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.sign(ca.keys.privateKey, forge.md.sha256.create());
  return {
    ca: forge.pki.certificateToPem(ca.cert),
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/** DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from(
  '3031300d060960864801650304020105000420',
  'hex',
);

/**
 * A forge signing key that signs with Node's native RSA: forge's own big-number signing takes
 * most of a second per certificate on a busy machine.
 */
function nativeSigner(privateKeyPem: string) {
  return {
    sign(md: forge.md.MessageDigest): string {
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      return privateEncrypt(
        { key: privateKeyPem, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([SHA256_DIGEST_INFO, digest]),
      ).toString('binary');
    },
  } as unknown as forge.pki.rsa.PrivateKey;
}

/** A server certificate and key in PEM. */
export interface TestTlsIdentity {
  certPem: string;
  keyPem: string;
}

/**
 * For tests that swap certificates: a CA (`caPem`, the one clients are told to trust), a server
 * identity it signed (`trusted`) and one signed by another CA with the same subject
 * (`untrusted`), both for the given host names and IPs, valid for a day. One native key pair
 * serves them all, so this takes milliseconds, not seconds.
 *
 * @public
 */
export function createTestTlsIdentities(names: {
  dns: string[];
  ips?: string[];
}): { caPem: string; trusted: TestTlsIdentity; untrusted: TestTlsIdentity } {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const publicKey = forge.pki.publicKeyFromPem(pair.publicKey);
  const signer = nativeSigner(pair.privateKey);
  const validity = (cert: forge.pki.Certificate, serial: string) => {
    cert.publicKey = publicKey;
    cert.serialNumber = serial;
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  };
  const authority = (commonName: string) => {
    const cert = forge.pki.createCertificate();
    validity(cert, '01');
    const subject = [{ name: 'commonName', value: commonName }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ]);
    cert.sign(signer, forge.md.sha256.create());
    return cert;
  };
  const server = (issuer: forge.pki.Certificate): TestTlsIdentity => {
    const cert = forge.pki.createCertificate();
    validity(cert, '02');
    cert.setSubject([{ name: 'commonName', value: names.dns[0] ?? 'test' }]);
    cert.setIssuer(issuer.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.dns.map(value => ({ type: 2, value })),
          ...(names.ips ?? []).map(ip => ({ type: 7, ip })),
        ],
      },
    ]);
    cert.sign(signer, forge.md.sha256.create());
    return {
      certPem: forge.pki.certificateToPem(cert),
      keyPem: pair.privateKey,
    };
  };
  const ca = authority('test-ca');
  return {
    caPem: forge.pki.certificateToPem(ca),
    trusted: server(ca),
    untrusted: server(authority('another-test-ca')),
  };
}
