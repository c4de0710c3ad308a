/**
 * HTTPS on loopback for tests: a self-signed certificate for 127.0.0.1 and localhost, made with the
 * openssl CLI (Node cannot issue certificates), and an HTTPS server using it. `node
 * scripts/ensure-proxy.mjs` installs openssl where it is missing (slim Debian images lack it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificate {
  /** The private key, PEM. */
  readonly key: string;
  /** The self-signed certificate, PEM: also the CA a client must trust (`ca` option, NODE_EXTRA_CA_CERTS). */
  readonly cert: string;
}

export interface TlsServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The certificate to trust, PEM. */
  readonly ca: string;
  /** The server itself, to attach a websocket server to, say. */
  readonly server: Server;
  /** Closes it, dropping open connections (tunnelled ones included). */
  close(): Promise<void>;
}

let made: Certificate | undefined;

/** A self-signed certificate with 127.0.0.1 and localhost as subject names, made once per process. */
export function makeCertificate(): Certificate {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    // P-256 rather than RSA: generated in milliseconds. Clients check the SAN, never the CN.
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
    args.push('-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`openssl could not make a certificate (${reason}); run \`node scripts/ensure-proxy.mjs\``);
    }
    made = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ok: RequestListener = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ method: req.method, url: req.url }));
};

/** An HTTPS server on a free 127.0.0.1 port with `makeCertificate()`; by default it answers 200 with the method and URL. */
export async function startTlsServer(handler: RequestListener = ok): Promise<TlsServer> {
  const { key, cert } = makeCertificate();
  const server = createServer({ key, cert }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    ca: cert,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
