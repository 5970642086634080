import forge from 'node-forge';

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
