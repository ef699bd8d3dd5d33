#!/usr/bin/env bash
# Verifies the Ed25519 signature of a Forgeline signed order (a compact JWS, RFC 7515 / RFC 8037)
# with openssl alone, then prints its header and payload for the reader to check.
#
#   usage: verify-order-with-openssl.sh <file holding the JWS> <x of the signing key's JWK>
#
# Take x from the key in GET /api/v1/keys whose kid equals the JWS header's kid.
# Exit 0 and "Verified OK" only when the signature verifies. This checks the signature only:
# alg, kid, exp, aud, revocation and the content hash are yours to check (docs/order-signatures.md).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <jws file> <jwk x>" >&2
  exit 2
fi
jws_file=$1
jwk_x=$2

fail() {
  echo "Verification FAILED: $1" >&2
  exit 1
}

# base64url (RFC 4648 §5, unpadded) -> bytes: swap the alphabet back, restore the padding.
b64url_decode() {
  local text=$1
  [[ $text =~ ^[A-Za-z0-9_-]*$ ]] || return 1
  (( ${#text} % 4 != 1 )) || return 1
  text=${text//-/+}
  text=${text//_//}
  while (( ${#text} % 4 != 0 )); do text+='='; done
  printf '%s' "$text" | openssl base64 -d -A
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Split the compact JWS on '.' into exactly three parts.
jws=$(tr -d ' \t\r\n' < "$jws_file")
IFS=. read -r -a parts <<< "$jws"
[[ ${#parts[@]} -eq 3 && $jws == "${parts[0]}.${parts[1]}.${parts[2]}" ]] || fail "the JWS is not three parts separated by '.'"

# 2. The signed bytes are the first two parts exactly as received, joined by '.' (RFC 7515 §5.2).
printf '%s.%s' "${parts[0]}" "${parts[1]}" > "$work/signing-input"
# 3. The signature is the base64url-decoded third part: 64 bytes for Ed25519 (RFC 8032 §5.1.6).
b64url_decode "${parts[2]}" > "$work/signature" || fail "the signature is not base64url"
[[ $(wc -c < "$work/signature") -eq 64 ]] || fail "the signature is not 64 bytes"

# 4. The public key: x is the raw 32-byte Ed25519 key (RFC 8037 §2). Prefixing the DER header
#    302a300506032b6570032100 (SEQUENCE, AlgorithmIdentifier id-Ed25519 1.3.101.112, BIT STRING
#    of 33 bytes) makes it a SubjectPublicKeyInfo (RFC 8410 §4) that openssl reads.
b64url_decode "$jwk_x" > "$work/x" || fail "the key x is not base64url"
[[ $(wc -c < "$work/x") -eq 32 ]] || fail "the key x is not 32 bytes"
printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00' | cat - "$work/x" > "$work/public-key.der"

# 5. Pure Ed25519 over the raw signing input (-rawin: no prehash, as RFC 8037 §3.1 requires).
if ! openssl pkeyutl -verify -pubin -inkey "$work/public-key.der" -keyform DER -rawin \
  -in "$work/signing-input" -sigfile "$work/signature" > "$work/openssl.out" 2>&1; then
  cat "$work/openssl.out" >&2
  fail "the signature does not verify with this key"
fi

# 6. Only now show what was signed, so the reader can check alg, kid, typ, aud, exp and the order.
header=$(b64url_decode "${parts[0]}") || fail "the header is not base64url"
payload=$(b64url_decode "${parts[1]}") || fail "the payload is not base64url"
echo "header:  $header"
echo "payload: $payload"
echo "Verified OK"
