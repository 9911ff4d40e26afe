#!/usr/bin/env python3
"""Generates the NRAS detached-EAT fixtures in tests/vectors/gpu/nras/.

NVIDIA's Remote Attestation Service (NRAS) answers a GPU attestation request with a *detached
EAT*: `[["JWT", <overall JWT>], {"GPU-0": <GPU JWT>, ...}]`, every JWT signed with ES384 (raw
96-byte r||s, base64url) by a key published in NRAS's JWKS. This script emulates NRAS with a
TEST key, so the Rust verifier (core/src/gpu/nras.rs) can be exercised offline: a JWKS, two good
EATs (1 and 8 GPUs) and one negative EAT per rule the verifier enforces. index.json maps every
file to its expected outcome and the pinned verification time.

Run once; the output is committed. ECDSA signing is randomised (cryptography uses random k),
so rerunning rewrites every signature and the self-signed certificate with new, equally valid
bytes: the keys, claims and expected outcomes stay the same, only signature bytes and submod
digests change.

Environment (pinned): Python 3.11.7, cryptography==50.0.2 (cffi==2.1.1, pycparser==3.12):

    python3.11 -m venv /tmp/nrasvenv && /tmp/nrasvenv/bin/pip install cryptography==50.0.2
    /tmp/nrasvenv/bin/python tests/vectors/gen/gpu_nras.py     # from the repository root

The keys are NOT NVIDIA's: they are derived from fixed labels below and are public. Never trust
them outside tests.
"""

import base64
import datetime
import hashlib
import hmac
import json
import pathlib
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID

OUT = pathlib.Path(__file__).resolve().parent.parent / "gpu" / "nras"

# 2024-06-01T00:00:00Z: the verification time every vector is judged at.
NOW = 1717200000
ISS = "https://nras.attestation.nvidia.com"
NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
WRONG_NONCE = hashlib.sha256(b"ccverify NRAS test vectors: a nonce nobody sent").hexdigest()
KID = "test-kid"
P384_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973

# From the sample Hopper certificate chain (tests/vectors/gpu/nvidia/hopperCertChain.txt):
# hwmodel is the CN of cert[1], ueid the leaf serial in decimal. Other GPUs get synthetic ueids.
HWMODEL = "GH100 A01 GSP BROM"
UEID0 = 478176379286082186618948445787393647364802107249
DRIVER = "550.90.07"
VBIOS = "96.00.9F.00.01"


def key_from_label(label: bytes) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha384(label).digest(), "big") % (P384_N - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP384R1())


TEST_KEY = key_from_label(b"ccverify NRAS test vectors: TEST signing key (not NVIDIA)")
OTHER_KEY = key_from_label(b"ccverify NRAS test vectors: a foreign key that is not in the JWKS")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact_json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def es384_raw(key: ec.EllipticCurvePrivateKey, msg: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(msg, ec.ECDSA(hashes.SHA384())))
    return r.to_bytes(48, "big") + s.to_bytes(48, "big")


def es384_der(key: ec.EllipticCurvePrivateKey, msg: bytes) -> bytes:
    return key.sign(msg, ec.ECDSA(hashes.SHA384()))


def jwt(claims, *, key=TEST_KEY, header=None, sig="raw") -> str:
    """A compact JWS. sig: "raw" (ES384 r||s), "der" (ES384 DER), "hs256", "none"."""
    if header is None:
        header = {"kid": KID, "alg": "ES384"}
    signing_input = b64url(compact_json(header)) + "." + b64url(compact_json(claims))
    msg = signing_input.encode()
    if sig == "raw":
        signature = es384_raw(key, msg)
    elif sig == "der":
        signature = es384_der(key, msg)
    elif sig == "hs256":
        # What NVIDIA's local Python verifier emits: HS256 with the literal key "secret".
        signature = hmac.new(b"secret", msg, hashlib.sha256).digest()
    elif sig == "none":
        signature = b""
    else:
        raise ValueError(sig)
    return signing_input + "." + b64url(signature)


def jti(label: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(label.encode()).digest()[:16], version=4))


def chain_claims():
    return {
        "x-nvidia-cert-expiration-date": "9999-12-31T23:59:59Z",
        "x-nvidia-cert-status": "valid",
        "x-nvidia-cert-ocsp-status": "good",
        "x-nvidia-cert-revocation-reason": None,
    }


def gpu_claims(index: int, *, nonce=NONCE, iat=NOW - 60, label="") -> dict:
    """Claims of one GPU token (NRAS claims version 3.0; see the GPU spec, section 7)."""
    claims = {
        "iss": ISS,
        "iat": iat,
        "nbf": iat,
        "exp": iat + 3600,
        "jti": jti(f"gpu{index}{label}"),
        "x-nvidia-device-type": "gpu",
        "x-nvidia-gpu-claims-version": "3.0",
        "measres": "success",
        "secboot": True,
        "dbgstat": "disabled",
        "x-nvidia-gpu-arch-check": True,
        "x-nvidia-gpu-driver-version": DRIVER,
        "x-nvidia-gpu-vbios-version": VBIOS,
        "x-nvidia-gpu-attestation-report-cert-chain": chain_claims(),
        "x-nvidia-gpu-attestation-report-cert-chain-fwid-match": True,
        "x-nvidia-gpu-attestation-report-parsed": True,
        "x-nvidia-gpu-attestation-report-nonce-match": True,
        "x-nvidia-gpu-attestation-report-signature-verified": True,
        "x-nvidia-gpu-driver-rim-fetched": True,
        "x-nvidia-gpu-driver-rim-schema-validated": True,
        "x-nvidia-gpu-driver-rim-cert-chain": chain_claims(),
        "x-nvidia-gpu-driver-rim-signature-verified": True,
        "x-nvidia-gpu-driver-rim-version-match": True,
        "x-nvidia-gpu-driver-rim-measurements-available": True,
        "x-nvidia-gpu-vbios-rim-fetched": True,
        "x-nvidia-gpu-vbios-rim-schema-validated": True,
        "x-nvidia-gpu-vbios-rim-cert-chain": chain_claims(),
        "x-nvidia-gpu-vbios-rim-signature-verified": True,
        "x-nvidia-gpu-vbios-rim-version-match": True,
        "x-nvidia-gpu-vbios-rim-measurements-available": True,
        "x-nvidia-gpu-vbios-index-no-conflict": True,
        "x-nvidia-mismatch-measurement-records": None,
        "eat_nonce": nonce,
        "hwmodel": HWMODEL,
        "ueid": str(UEID0 + index),
        "oemid": "5703",
    }
    return claims


def submod(token: str):
    return ["DIGEST", ["SHA-256", hashlib.sha256(token.encode()).hexdigest()]]


def overall_claims(gpu_tokens: dict, *, nonce=NONCE, iat=NOW - 60, result=True, label="") -> dict:
    return {
        "sub": "NVIDIA-PLATFORM-ATTESTATION",
        "x-nvidia-ver": "3.0",
        "x-nvidia-overall-att-result": result,
        "eat_nonce": nonce,
        "submods": {name: submod(tok) for name, tok in gpu_tokens.items()},
        "iss": ISS,
        "iat": iat,
        "nbf": iat,
        "exp": iat + 3600,
        "jti": jti(f"overall{label}"),
    }


def eat(overall: str, gpus: dict) -> bytes:
    return json.dumps([["JWT", overall], gpus], separators=(",", ":")).encode()


def gpu_tokens(n: int, **kw) -> dict:
    return {f"GPU-{i}": jwt(gpu_claims(i, **kw)) for i in range(n)}


def self_signed_cert(key) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "ccverify TEST NRAS signing key (not NVIDIA)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ccverify test vectors"),
        ]
    )
    utc = datetime.timezone.utc
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x4E524153)
        .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=utc))
        .not_valid_after(datetime.datetime(2034, 1, 1, tzinfo=utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA384())
    )


def jwks_json(key, cert) -> bytes:
    nums = key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "use": "sig",
        "crv": "P-384",
        "kid": KID,
        "alg": "ES384",
        "x": b64url(nums.x.to_bytes(48, "big")),
        "y": b64url(nums.y.to_bytes(48, "big")),
        "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
    }
    return json.dumps({"keys": [jwk]}, indent=2).encode() + b"\n"


def build():
    """Returns {file name: (bytes, index entry or None)}."""
    files = {}
    cert = self_signed_cert(TEST_KEY)
    files["jwks.json"] = (jwks_json(TEST_KEY, cert), None)

    def add(name, data, description, *, verified, failures, gpus, expected_gpus=None):
        files[name] = (
            data,
            {
                "file": name,
                "description": description,
                "expected_gpus": expected_gpus,
                "verified": verified,
                "failures": sorted(failures),
                "gpus": gpus,
            },
        )

    # Good vectors.
    g1 = gpu_tokens(1)
    add(
        "good_1gpu.json",
        eat(jwt(overall_claims(g1)), g1),
        "a good single-GPU EAT",
        verified=True,
        failures=[],
        gpus=1,
        expected_gpus=1,
    )
    g8 = gpu_tokens(8)
    add(
        "good_8gpu.json",
        eat(jwt(overall_claims(g8)), g8),
        "a good eight-GPU EAT (an HGX H100 node)",
        verified=True,
        failures=[],
        gpus=8,
        expected_gpus=8,
    )

    # Negatives: each breaks exactly one rule (measres_fail also clears the overall result, as
    # NRAS does).
    g = gpu_tokens(1, nonce=WRONG_NONCE)
    add(
        "neg_wrong_nonce.json",
        eat(jwt(overall_claims(g, nonce=WRONG_NONCE)), g),
        "validly signed, but eat_nonce (overall and GPU) is not the nonce the verifier sent",
        verified=False,
        failures=["nonce"],
        gpus=1,
    )
    old = NOW - 7200
    g = gpu_tokens(1, iat=old)
    add(
        "neg_expired.json",
        eat(jwt(overall_claims(g, iat=old)), g),
        "issued two hours before the pinned time; exp (iat + 3600) has passed",
        verified=False,
        failures=["expired"],
        gpus=1,
    )
    future = NOW + 3600
    g = gpu_tokens(1, iat=future)
    add(
        "neg_not_yet_valid.json",
        eat(jwt(overall_claims(g, iat=future)), g),
        "iat and nbf one hour after the pinned time",
        verified=False,
        failures=["not_yet_valid"],
        gpus=1,
    )
    g = gpu_tokens(1)
    tampered_claims = gpu_claims(0)
    tampered_claims["x-nvidia-gpu-driver-version"] = "999.99.99"
    tampered = {"GPU-0": jwt(tampered_claims)}
    add(
        "neg_tampered_gpu.json",
        eat(jwt(overall_claims(g)), tampered),
        "the GPU token was replaced by another validly signed one; its SHA-256 differs from the submods digest",
        verified=False,
        failures=["digest"],
        gpus=1,
    )
    g = gpu_tokens(2)
    add(
        "neg_submod_missing.json",
        eat(jwt(overall_claims({"GPU-0": g["GPU-0"]})), g),
        "two GPU tokens, but the overall submods only lists GPU-0",
        verified=False,
        failures=["submods"],
        gpus=2,
    )
    g = gpu_tokens(2)
    add(
        "neg_gpu_token_missing.json",
        eat(jwt(overall_claims(g)), {"GPU-0": g["GPU-0"]}),
        "submods lists GPU-0 and GPU-1, but the EAT only carries the GPU-0 token",
        verified=False,
        failures=["submods"],
        gpus=2,
    )
    g = gpu_tokens(1)
    extra = dict(g)
    extra["GPU-1"] = jwt(gpu_claims(1, label="extra"))
    add(
        "neg_extra_gpu_token.json",
        eat(jwt(overall_claims(g)), extra),
        "a good 1-GPU EAT with a second, validly signed GPU token appended that submods does not list",
        verified=False,
        failures=["submods"],
        gpus=2,
    )
    g = gpu_tokens(1)
    add(
        "neg_alg_hs256.json",
        eat(jwt(overall_claims(g), header={"kid": KID, "alg": "HS256"}, sig="hs256"), g),
        "the overall token is HS256 with the key \"secret\" (the local Python verifier's format)",
        verified=False,
        failures=["alg"],
        gpus=1,
    )
    g = gpu_tokens(1)
    add(
        "neg_alg_none.json",
        eat(jwt(overall_claims(g), header={"kid": KID, "alg": "none"}, sig="none"), g),
        "the overall token is unsigned (alg none, empty signature)",
        verified=False,
        failures=["alg"],
        gpus=1,
    )
    g = gpu_tokens(1)
    add(
        "neg_wrong_kid.json",
        eat(jwt(overall_claims(g), header={"kid": "nv-eat-kid-unknown", "alg": "ES384"}), g),
        "the overall token names a kid the JWKS does not have",
        verified=False,
        failures=["kid"],
        gpus=1,
    )
    g = gpu_tokens(1)
    add(
        "neg_other_key.json",
        eat(jwt(overall_claims(g), key=OTHER_KEY), g),
        "the overall token says kid test-kid but was signed by another P-384 key",
        verified=False,
        failures=["signature"],
        gpus=1,
    )
    forged = {"GPU-0": jwt(gpu_claims(0), key=OTHER_KEY)}
    add(
        "neg_gpu_other_key.json",
        eat(jwt(overall_claims(forged)), forged),
        "the GPU token was signed by another key; the (genuine) overall token lists its digest",
        verified=False,
        failures=["signature"],
        gpus=1,
    )
    g = gpu_tokens(1)
    add(
        "neg_overall_result_false.json",
        eat(jwt(overall_claims(g, result=False)), g),
        "x-nvidia-overall-att-result is false",
        verified=False,
        failures=["overall_result"],
        gpus=1,
    )
    bad = gpu_claims(0)
    bad["measres"] = "fail"
    g = {"GPU-0": jwt(bad)}
    add(
        "neg_measres_fail.json",
        eat(jwt(overall_claims(g, result=False)), g),
        "GPU-0 measres is \"fail\" and, as NRAS does then, the overall result is false",
        verified=False,
        failures=["measres", "overall_result"],
        gpus=1,
    )
    g = gpu_tokens(1)
    add(
        "neg_der_signature.json",
        eat(jwt(overall_claims(g), sig="der"), g),
        "the overall token's ES384 signature is DER-encoded instead of raw r||s (JWS requires raw)",
        verified=False,
        failures=["signature"],
        gpus=1,
    )
    return files


def self_check(files):
    """Checks the good vectors with `cryptography`, independently of the Rust verifier."""
    pub = TEST_KEY.public_key()
    for name in ("good_1gpu.json", "good_8gpu.json"):
        (overall_pair, gpus) = json.loads(files[name][0])
        assert overall_pair[0] == "JWT"
        tokens = [overall_pair[1], *gpus.values()]
        for tok in tokens:
            head, body, sig = tok.split(".")
            raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
            assert len(raw) == 96
            der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
            pub.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA384()))
        body = overall_pair[1].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        assert claims["eat_nonce"] == NONCE
        assert claims["iat"] <= NOW < claims["exp"]
        assert set(claims["submods"]) == set(gpus)
        for gpu, tok in gpus.items():
            assert claims["submods"][gpu][1][1] == hashlib.sha256(tok.encode()).hexdigest()


def main():
    files = build()
    self_check(files)
    OUT.mkdir(parents=True, exist_ok=True)
    entries = []
    for name in sorted(files):
        data, entry = files[name]
        (OUT / name).write_bytes(data)
        if entry is not None:
            entries.append(entry)
    index = {
        "description": "NRAS detached-EAT vectors; see README.md. `failures` is the exact set of "
        "failure kinds (nras::FailureKind::as_str) the verifier must report.",
        "now": NOW,
        "nonce": NONCE,
        "jwks": "jwks.json",
        "kid": KID,
        "issuer": ISS,
        "vectors": entries,
    }
    (OUT / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    print(f"wrote {len(files) + 1} files to {OUT}")


if __name__ == "__main__":
    main()
