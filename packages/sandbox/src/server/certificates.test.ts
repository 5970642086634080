import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import {
  createCertificateAuthority,
  issueServerCertificate,
  serialNumber,
} from './certificates';

describe('sandbox certificates', () => {
  // one key for the serial cases: what is checked is the serial's encoding, not the key
  const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });

  function selfSigned(serial: string): string {
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = serial;
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 3_600_000);
    cert.setSubject([{ name: 'commonName', value: 'serial check' }]);
    cert.setIssuer([{ name: 'commonName', value: 'serial check' }]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  }

  it.each([
    ['a zero byte, then one below 0x80', [0x00, 0x13]],
    ['only zero bytes', [0x00, 0x00]],
    ['a byte with the high bit set', [0xff, 0x80]],
    ['a byte below 0x80', [0x13, 0x00]],
  ])(
    'gives a serial OpenSSL parses when the random bytes start with %s',
    (_case, start) => {
      const bytes = Buffer.alloc(16, 0xa5);
      Buffer.from(start).copy(bytes);
      const serial = serialNumber(bytes);

      const parsed = new X509Certificate(selfSigned(serial));

      expect(parsed.serialNumber).toBe(serial.toUpperCase());
      expect(serial).toHaveLength(32);
      expect(Number.parseInt(serial.slice(0, 2), 16)).toBeGreaterThan(0);
      expect(Number.parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
    },
  );

  it('shows why: the former serial (a 0 digit and 15 random bytes) failed to parse', () => {
    const former = `0${Buffer.from([
      0x00,
      0x13,
      ...Array(13).fill(0xa5),
    ]).toString('hex')}`;

    expect(() => new X509Certificate(selfSigned(former))).toThrow(
      /illegal padding/,
    );
  });

  it('issues a CA and a server certificate for 127.0.0.1 that it signed', () => {
    const ca = createCertificateAuthority('serial check CA');
    const server = issueServerCertificate(ca, 'serial-check.sandbox');

    const caCert = new X509Certificate(ca.certPem);
    const serverCert = new X509Certificate(server.certPem);

    expect(caCert.ca).toBe(true);
    expect(serverCert.checkIssued(caCert)).toBe(true);
    expect(serverCert.verify(caCert.publicKey)).toBe(true);
    expect(serverCert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });
});
