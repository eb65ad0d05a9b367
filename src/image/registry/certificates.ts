/**
 * Checks of the PEM files a registry's TLS settings name, failing as containerd does (docker's
 * containerd store): before any request, naming what is wrong in Go's words, where OpenSSL would
 * only say `DECODER routines::unsupported` at the first connection or skip a CA file unread.
 */
import {createPrivateKey, createPublicKey, X509Certificate} from 'node:crypto'

interface PemBlock {
  type: string
  der: Buffer
  /** The block as written, which node's key parser reads. */
  text: string
}

const PEM_BLOCK = /-----BEGIN ([^-\r\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g

function pemBlocks(pem: string): PemBlock[] {
  return [...pem.matchAll(PEM_BLOCK)].map(([text, type, body]) => ({
    type: type!,
    // Header lines (`Proc-Type: …`) are not base64.
    der: Buffer.from(body!.split(/\r?\n/).filter((line) => !line.includes(':')).join(''), 'base64'),
    text,
  }))
}

function parsesAsCertificate(der: Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(der)
  } catch {
    return undefined
  }
}

/** Whether a CA file holds a certificate to trust (Go's CertPool.AppendCertsFromPEM finding one). */
export function holdsCertificate(pem: string): boolean {
  return pemBlocks(pem).some((block) => block.type === 'CERTIFICATE' && parsesAsCertificate(block.der) !== undefined)
}

/** What Go's tls.X509KeyPair finds wrong with a client certificate and its key, in its words; undefined for a usable pair. */
export function keyPairFailure(certificatePem: string, keyPem: string): string | undefined {
  const certificateBlocks = pemBlocks(certificatePem)
  const certificates = certificateBlocks.filter((block) => block.type === 'CERTIFICATE')
  if (certificates.length === 0) {
    const skipped = certificateBlocks.map((block) => block.type)
    if (skipped.length === 0) return 'tls: failed to find any PEM data in certificate input'
    if (skipped.length === 1 && skipped[0]!.endsWith('PRIVATE KEY')) {
      return 'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched'
    }
    return `tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`
  }

  const keyBlocks = pemBlocks(keyPem)
  const keyIndex = keyBlocks.findIndex((block) => block.type === 'PRIVATE KEY' || block.type.endsWith(' PRIVATE KEY'))
  if (keyIndex < 0) {
    const skipped = keyBlocks.map((block) => block.type)
    if (skipped.length === 0) return 'tls: failed to find any PEM data in key input'
    if (skipped.length === 1 && skipped[0] === 'CERTIFICATE') return 'tls: found a certificate rather than a key in the PEM for the private key'
    return `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`
  }

  const leaf = parsesAsCertificate(certificates[0]!.der)
  if (leaf === undefined) return 'x509: malformed certificate'
  let publicKey: Buffer
  try {
    publicKey = createPublicKey(createPrivateKey(keyBlocks[keyIndex]!.text)).export({type: 'spki', format: 'der'})
  } catch {
    return 'tls: failed to parse private key'
  }
  if (!publicKey.equals(leaf.publicKey.export({type: 'spki', format: 'der'}))) return 'tls: private key does not match public key'
  return undefined
}
