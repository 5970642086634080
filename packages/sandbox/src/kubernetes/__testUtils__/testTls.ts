import forge from 'node-forge';
import { serialNumber } from '../../server/certificates';

function certificate(
  subject: string,
  publicKey: forge.pki.PublicKey,
  issuer: { name: string; key: forge.pki.rsa.PrivateKey },
  extensions: object[],
) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer([{ name: 'commonName', value: issuer.name }]);
  cert.setExtensions(extensions);
  cert.sign(issuer.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it. Tests only. */
export function createTestServerTls() {
  const caKeys = forge.pki.rsa.generateKeyPair(1024);
  const serverKeys = forge.pki.rsa.generateKeyPair(1024);
  const caName = 'sandbox-test-vault-ca';
  const caPem = certificate(
    caName,
    caKeys.publicKey,
    { name: caName, key: caKeys.privateKey },
    [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true },
    ],
  );
  const certPem = certificate(
    '127.0.0.1',
    serverKeys.publicKey,
    { name: caName, key: caKeys.privateKey },
    [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  );
  return {
    caPem,
    certPem,
    keyPem: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}
