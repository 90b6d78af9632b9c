#!/bin/sh
# Regenerates the certificate fixtures used by internal/source tests.
#
# Every key here is a throwaway made for tests; none is trusted anywhere, so
# the files are committed. Run from anywhere: ./testdata/certs/make.sh
# Needs OpenSSL 3 (for the SHA-256-MAC PFX that is its default, and -legacy).
set -eu

cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Passwords the tests know. They protect nothing.
PFX_PASS=fixture-pfx-pass
PEM_PASS=fixture-pem-pass

openssl version
q() { "$@" 2>/dev/null; }

# A self-signed RSA certificate, valid for ten years. OpenSSL 3 writes the
# key as PKCS#8 ("PRIVATE KEY").
q openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=aztoken fixture rsa" \
	-keyout "$work/rsa.key" -out "$work/rsa.crt"
cat "$work/rsa.crt" "$work/rsa.key" > rsa-pkcs8.pem

# The same key as PKCS#1 ("RSA PRIVATE KEY").
q openssl rsa -in "$work/rsa.key" -traditional -out "$work/rsa1.key"
cat "$work/rsa.crt" "$work/rsa1.key" > rsa-pkcs1.pem

# Encrypted keys: PKCS#8 ("ENCRYPTED PRIVATE KEY") and the legacy RFC 1423
# form with a DEK-Info header.
q openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$work/rsa.key" -passout "pass:$PEM_PASS" -out "$work/enc8.key"
cat "$work/rsa.crt" "$work/enc8.key" > rsa-encrypted-pkcs8.pem
q openssl rsa -in "$work/rsa.key" -traditional -aes256 -passout "pass:$PEM_PASS" -out "$work/enc1.key"
cat "$work/rsa.crt" "$work/enc1.key" > rsa-encrypted-legacy.pem

# EC keys, which Entra ID certificate credentials do not take.
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
	-subj "/CN=aztoken fixture ec" -keyout "$work/ec.key" -out "$work/ec.crt"
cat "$work/ec.crt" "$work/ec.key" > ec-pkcs8.pem
q openssl ec -in "$work/ec.key" -out "$work/ec1.key"
cat "$work/ec.crt" "$work/ec1.key" > ec-sec1.pem
q openssl pkcs12 -export -in "$work/ec.crt" -inkey "$work/ec.key" -passout "pass:$PFX_PASS" -out ec.pfx

# PKCS#12: OpenSSL 3's default (AES-256-CBC, SHA-256 MAC) with and without a
# password, and the legacy RC2/3DES, SHA-1 MAC form older tools write.
q openssl pkcs12 -export -in "$work/rsa.crt" -inkey "$work/rsa.key" -passout pass: -out rsa-nopass.pfx
q openssl pkcs12 -export -in "$work/rsa.crt" -inkey "$work/rsa.key" -passout "pass:$PFX_PASS" -out rsa-password.pfx
q openssl pkcs12 -export -legacy -in "$work/rsa.crt" -inkey "$work/rsa.key" -passout "pass:$PFX_PASS" -out rsa-legacy.pfx

# A leaf signed by a fixture CA, with the CA after it: the chain sent as x5c.
q openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=aztoken fixture ca" \
	-keyout "$work/ca.key" -out "$work/ca.crt"
q openssl req -new -newkey rsa:2048 -nodes -subj "/CN=aztoken fixture leaf" \
	-keyout "$work/leaf.key" -out "$work/leaf.csr"
q openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
	-CAcreateserial -days 3650 -out "$work/leaf.crt"
# The key comes first on purpose: the loader must not assume an order.
cat "$work/leaf.key" "$work/leaf.crt" "$work/ca.crt" > chain.pem
q openssl pkcs12 -export -in "$work/leaf.crt" -inkey "$work/leaf.key" -certfile "$work/ca.crt" \
	-passout "pass:$PFX_PASS" -out chain.pfx

# An expired certificate. openssl ca is the one tool that takes explicit
# dates in OpenSSL 3.0.
mkdir "$work/db"
: > "$work/db/index.txt"
echo 01 > "$work/db/serial"
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = fixture
[ fixture ]
database = $work/db/index.txt
new_certs_dir = $work/db
serial = $work/db/serial
default_md = sha256
policy = anything
unique_subject = no
[ anything ]
commonName = supplied
CNF
q openssl req -new -key "$work/rsa.key" -subj "/CN=aztoken fixture expired" -out "$work/exp.csr"
q openssl ca -batch -config "$work/ca.cnf" -selfsign -keyfile "$work/rsa.key" -in "$work/exp.csr" \
	-startdate 20200101000000Z -enddate 20200201000000Z -notext -out "$work/exp.crt"
cat "$work/exp.crt" "$work/rsa.key" > expired.pem

echo "fixtures written to $(pwd)"
