/**
 * The server's own certificate for when it listens beyond loopback without one given: made once
 * for the machine's names (hostname, interface addresses, HOST) and kept in the data folder, so a
 * tester who trusted its fingerprint keeps trusting it across restarts. Made again only when it is
 * about to expire or doesn't cover the HOST asked for; an interface address that came later (a VPN,
 * a new lease) is reported as not covered instead, so the fingerprint testers trusted stays.
 *
 * selfsigned (on @peculiar/x509 and WebCrypto) rather than Debian's openssl: it is already how the
 * APNs stand-in makes its certificate, runs in-process, and needs no binary on the machine.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import selfsigned from 'selfsigned';

export interface ServerCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the DER certificate, colon-separated hex (what browsers show). */
  fingerprint: string;
  certFile: string;
  /** True when this start made it; false when the kept one was reused. */
  made: boolean;
  /** The names it is valid for. */
  names: string[];
  /** The machine's names it does not cover (it was made before they appeared). */
  uncovered: string[];
}

/** Apple's limit for a TLS server certificate's validity; browsers warn past it. */
const VALID_DAYS = 397;
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** The names a client on another machine may reach this one by. */
function machineNames(host: string): string[] {
  const names = new Set<string>(['localhost', os.hostname()]);
  for (const addrs of Object.values(os.networkInterfaces()))
    for (const a of addrs ?? []) names.add(a.address.split('%')[0] ?? a.address);
  if (!WILDCARD.has(host)) names.add(host);
  return [...names].filter(Boolean).sort();
}

const covers = (cert: crypto.X509Certificate, name: string): boolean =>
  (net.isIP(name) ? cert.checkIP(name) : cert.checkHost(name)) !== undefined;

function kept(certFile: string, keyFile: string, required: string[]): { cert: string; key: string } | null {
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) return null;
  try {
    const cert = fs.readFileSync(certFile, 'utf8');
    const key = fs.readFileSync(keyFile, 'utf8');
    const x509 = new crypto.X509Certificate(cert);
    const fresh = new Date(x509.validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
    return fresh &&
      required.every((n) => covers(x509, n)) &&
      x509.checkPrivateKey(crypto.createPrivateKey(key))
      ? { cert, key }
      : null;
  } catch {
    return null;
  }
}

/** `host` is the address listened on (wildcards mean every name of the machine). */
export async function loadOrMakeCertificate(dataDir: string, host: string): Promise<ServerCertificate> {
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'self-signed-cert.pem');
  const keyFile = path.join(dir, 'self-signed-key.pem');
  const names = machineNames(host);
  const reused = kept(certFile, keyFile, WILDCARD.has(host) ? [] : [host]);
  let pems = reused;
  if (!pems) {
    const now = new Date();
    const made = await selfsigned.generate([{ name: 'commonName', value: os.hostname() || 'softphone' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: now,
      notAfterDate: new Date(now.getTime() + VALID_DAYS * 24 * 3600 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: names.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
        },
      ],
    });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(keyFile, made.private, { mode: 0o600 });
    fs.writeFileSync(certFile, made.cert);
    pems = { cert: made.cert, key: made.private };
  }
  const x509 = new crypto.X509Certificate(pems.cert);
  const sans = (x509.subjectAltName ?? '').split(', ').map((san) => san.replace(/^(DNS|IP Address):/, ''));
  return {
    ...pems,
    fingerprint: x509.fingerprint256,
    certFile,
    made: reused === null,
    names: sans,
    uncovered: names.filter((n) => !covers(x509, n)),
  };
}
