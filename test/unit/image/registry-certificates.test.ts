import assert from 'node:assert/strict'
import {generateKeyPairSync} from 'node:crypto'
import {describe, it} from 'node:test'
import {holdsCertificate, keyPairFailure} from '../../../src/image/registry/certificates.ts'

/** A self-signed P-256 certificate and its key, made with openssl for this test. */
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBgDCCASWgAwIBAgIUO6ZRaw4ETo40rONvFNGqHiZBFu0wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbmVyZC11bml0MCAXDTI2MTEyNTIwMTgwM1oYDzIxMjYxMTAx
MjAxODAzWjAUMRIwEAYDVQQDDAluZXJkLXVuaXQwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATjwyFlHLuLIKwlK/X2qz8WrPkAdrJAKC82dVUUWTX2J7Sl1yTpPHDI
rPnDYu/ZTp5+Jo+w9kWQfuep6xJAgF5bo1MwUTAdBgNVHQ4EFgQU4T2HtSc2uZWj
UBnowGnfD2QFKqEwHwYDVR0jBBgwFoAU4T2HtSc2uZWjUBnowGnfD2QFKqEwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAzqAVIT3jKTYulumpq7/m
dPwJ9OArQwW6sRFALg0znLgCIQDihfz8qxAsTt49qDutMQ8QUYuoKg8SxdDS4bmO
MyomMw==
-----END CERTIFICATE-----
`
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+E830Vra7ii/vQ4W
EUNML0nE5F3VSeVoF606xLLcBR+hRANCAATjwyFlHLuLIKwlK/X2qz8WrPkAdrJA
KC82dVUUWTX2J7Sl1yTpPHDIrPnDYu/ZTp5+Jo+w9kWQfuep6xJAgF5b
-----END PRIVATE KEY-----
`

describe('registry certificate files', () => {
  it('finds a CA file with a certificate in it, and none in anything else', () => {
    assert.equal(holdsCertificate(CERTIFICATE), true)
    assert.equal(holdsCertificate('garbage\n'), false)
    assert.equal(holdsCertificate(KEY), false)
    assert.equal(holdsCertificate(CERTIFICATE.replace('MIIBgDCC', 'AAAAgDCC')), false)
  })

  it('accepts a client pair, separate or in one file', () => {
    assert.equal(keyPairFailure(CERTIFICATE, KEY), undefined)
    assert.equal(keyPairFailure(CERTIFICATE + KEY, CERTIFICATE + KEY), undefined)
  })

  it('words an unusable pair as Go\'s tls.X509KeyPair does', () => {
    assert.equal(keyPairFailure(CERTIFICATE, CERTIFICATE), 'tls: found a certificate rather than a key in the PEM for the private key')
    assert.equal(keyPairFailure(CERTIFICATE, 'garbage'), 'tls: failed to find any PEM data in key input')
    assert.equal(keyPairFailure('garbage', KEY), 'tls: failed to find any PEM data in certificate input')
    assert.equal(
      keyPairFailure(KEY, CERTIFICATE),
      'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched',
    )
    const other = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({type: 'pkcs8', format: 'pem'}) as string
    assert.equal(keyPairFailure(CERTIFICATE, other), 'tls: private key does not match public key')
    assert.equal(keyPairFailure(CERTIFICATE, KEY.replace('MIGHAgEA', 'AAAAAAAA')), 'tls: failed to parse private key')
  })
})
