#!/usr/bin/env python3
# Requires Python 3.11 and exactly: cryptography==50.0.2 (pip freeze of the venv used for the
# committed output: cffi==2.1.1, cryptography==50.0.2, pycparser==3.12).
"""OCSP test vectors for ccverify's `gpu::ocsp` module (RFC 6960 over a TEST P-384 PKI).

Writes into tests/vectors/gpu/ocsp/ (or OUTDIR):

    pki/*.pem                      TEST certificates: root -> intermediate -> leaf (+ leaf_other),
                                   delegated OCSP responders (good and deliberately bad ones)
    keys/*.TEST-ONLY.key.pem       their private keys -- TEST ONLY, never trust them
    responses/*.der                DER OCSPResponse files, one per case family
    requests/*.der                 OCSPRequests built by `cryptography` (oracle for build_request)
    cache/                         a directory for DirOcspSource tests (incl. garbage files)
    index.json                     pinned `now`, every case -> expected outcome, cache lookups

Most responses come from cryptography's OCSPResponseBuilder (an implementation independent of
the Rust parser). The builder stamps producedAt with the wall clock and allows one
SingleResponse, so two cases (two SingleResponses; a raw, un-wrapped nonce) are encoded by hand
below with a tiny DER writer and then loaded back with cryptography as a cross-check.

ECDSA signatures are randomised and every key is fresh, so each run produces different bytes:
the committed files are the reference; regenerate only on purpose and commit the whole set.
The pinned `now` is the generation time rounded down to the hour (so producedAt <= now).

Usage:  python3 -m venv /tmp/ocspvenv && /tmp/ocspvenv/bin/pip install cryptography==50.0.2
        /tmp/ocspvenv/bin/python tests/vectors/gen/gpu_ocsp.py [OUTDIR]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# Nonces (32 bytes like NVIDIA's verifier).
NONCE = bytes.fromhex("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb")
OTHER_NONCE = bytes(32)

# Leaf serial: 19 bytes with the top bit set, so its DER INTEGER carries a leading 0x00.
LEAF_SERIAL = 0x93C22B9C1E4F0A7B55A0C1D2E3F40516273849
LEAF_OTHER_SERIAL = 0x1234567890ABCDEF

OID_NONCE = x509.ObjectIdentifier("1.3.6.1.5.5.7.48.1.2")


def ts(t: dt.datetime) -> int:
    return int(t.timestamp())


# --------------------------------------------------------------------------------------------
# TEST PKI
# --------------------------------------------------------------------------------------------


def name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ccverify TEST ONLY"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def make_cert(
    cn: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    *,
    ca: bool,
    path_len: int | None = None,
    ocsp_signing: bool = False,
    nocheck: bool = False,
) -> x509.Certificate:
    subject = name(cn)
    issuer_name, signer = (subject, key) if issuer is None else (issuer[0].subject, issuer[1])
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()), False
        )
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=path_len), True)
    b = b.add_extension(
        x509.KeyUsage(
            digital_signature=not ca,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=ca,
            crl_sign=ca,
            encipher_only=False,
            decipher_only=False,
        ),
        True,
    )
    if ocsp_signing:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False)
    if nocheck:
        b = b.add_extension(x509.OCSPNoCheck(), False)
    return b.sign(signer, hashes.SHA384())


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def build_pki():
    keys = {n: new_key() for n in (
        "root", "intermediate", "leaf", "leaf_other", "responder", "responder_no_eku",
        "responder_expired", "responder_root_issued", "unrelated",
    )}
    far_past = dt.datetime(2020, 1, 1, tzinfo=UTC)
    far_future = dt.datetime(2045, 1, 1, tzinfo=UTC)
    certs: dict[str, x509.Certificate] = {}
    certs["root"] = make_cert(
        "ccverify TEST OCSP Root", keys["root"], None, 1, far_past, far_future, ca=True
    )
    root = (certs["root"], keys["root"])
    certs["intermediate"] = make_cert(
        "ccverify TEST OCSP Intermediate", keys["intermediate"], root, 2, far_past, far_future,
        ca=True, path_len=0,
    )
    inter = (certs["intermediate"], keys["intermediate"])
    certs["leaf"] = make_cert(
        "ccverify TEST OCSP Leaf", keys["leaf"], inter, LEAF_SERIAL, far_past, far_future,
        ca=False,
    )
    certs["leaf_other"] = make_cert(
        "ccverify TEST OCSP Other Leaf", keys["leaf_other"], inter, LEAF_OTHER_SERIAL, far_past,
        far_future, ca=False,
    )
    certs["responder"] = make_cert(
        "ccverify TEST OCSP Responder", keys["responder"], inter, 0x0C5B01,
        NOW - 30 * DAY, NOW + 365 * DAY, ca=False, ocsp_signing=True, nocheck=True,
    )
    certs["responder_no_eku"] = make_cert(
        "ccverify TEST OCSP Responder without EKU", keys["responder_no_eku"], inter, 0x0C5B02,
        NOW - 30 * DAY, NOW + 365 * DAY, ca=False,
    )
    certs["responder_expired"] = make_cert(
        "ccverify TEST OCSP Responder (expired)", keys["responder_expired"], inter, 0x0C5B03,
        NOW - 400 * DAY, NOW - 30 * DAY, ca=False, ocsp_signing=True, nocheck=True,
    )
    certs["responder_root_issued"] = make_cert(
        "ccverify TEST OCSP Responder issued by the root", keys["responder_root_issued"], root,
        0x0C5B04, NOW - 30 * DAY, NOW + 365 * DAY, ca=False, ocsp_signing=True, nocheck=True,
    )
    return keys, certs


# --------------------------------------------------------------------------------------------
# A tiny DER writer for the two hand-encoded responses
# --------------------------------------------------------------------------------------------


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + der_len(len(content)) + content


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def der_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def der_int(v: int) -> bytes:
    b = v.to_bytes(v.bit_length() // 8 + 1, "big", signed=True)
    return tlv(0x02, b)


def der_time(t: dt.datetime) -> bytes:
    return tlv(0x18, t.strftime("%Y%m%d%H%M%SZ").encode())


HASH_OIDS = {"sha1": "1.3.14.3.2.26", "sha256": "2.16.840.1.101.3.4.2.1",
             "sha384": "2.16.840.1.101.3.4.2.2"}


def spki_bits(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def cert_id(cert: x509.Certificate, issuer: x509.Certificate, alg: str) -> bytes:
    h = lambda data: hashlib.new(alg, data).digest()  # noqa: E731
    return seq(
        seq(der_oid(HASH_OIDS[alg]), b"\x05\x00"),
        tlv(0x04, h(issuer.subject.public_bytes())),
        tlv(0x04, h(spki_bits(issuer))),
        der_int(cert.serial_number),
    )


def hand_response(signer_cert, signer_key, singles: list[bytes], extensions: list[bytes]) -> bytes:
    tbs_items = [
        tlv(0xA1, signer_cert.subject.public_bytes()),  # responderID byName
        der_time(NOW),  # producedAt
        seq(*singles),
    ]
    if extensions:
        tbs_items.append(tlv(0xA1, seq(*extensions)))
    tbs = seq(*tbs_items)
    sig = signer_key.sign(tbs, ec.ECDSA(hashes.SHA384()))
    basic = seq(tbs, seq(der_oid("1.2.840.10045.4.3.3")), tlv(0x03, b"\x00" + sig))
    resp = seq(
        tlv(0x0A, b"\x00"),
        tlv(0xA0, seq(der_oid("1.3.6.1.5.5.7.48.1.1"), tlv(0x04, basic))),
    )
    ocsp.load_der_ocsp_response(resp)  # cross-check with cryptography's parser
    return resp


def single(cid: bytes, status: bytes, this: dt.datetime, nxt: dt.datetime | None) -> bytes:
    items = [cid, status, der_time(this)]
    if nxt is not None:
        items.append(tlv(0xA0, der_time(nxt)))
    return seq(*items)


# --------------------------------------------------------------------------------------------
# Responses via cryptography
# --------------------------------------------------------------------------------------------

ALGS = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256(), "sha384": hashes.SHA384()}
REASONS = {"keyCompromise": x509.ReasonFlags.key_compromise,
           "certificateHold": x509.ReasonFlags.certificate_hold}


def response(
    keys, certs, *,
    cert="leaf", issuer="intermediate", alg="sha384", status="good", reason=None,
    revoked_at=None, this=None, nxt="default", signer="intermediate", signer_key=None,
    by_key=False, include=(), nonce=None, sig_hash=None,
) -> bytes:
    this = NOW - HOUR if this is None else this
    nxt = this + 7 * DAY if nxt == "default" else nxt
    cs = {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED,
          "unknown": ocsp.OCSPCertStatus.UNKNOWN}[status]
    b = ocsp.OCSPResponseBuilder().add_response(
        certs[cert], certs[issuer], ALGS[alg], cs, this, nxt,
        revoked_at if status == "revoked" else None,
        REASONS[reason] if reason else None,
    )
    enc = ocsp.OCSPResponderEncoding.HASH if by_key else ocsp.OCSPResponderEncoding.NAME
    b = b.responder_id(enc, certs[signer])
    if include:
        b = b.certificates([certs[c] for c in include])
    if nonce is not None:
        b = b.add_extension(x509.OCSPNonce(nonce), critical=False)
    key = keys[signer_key or signer]
    r = b.sign(key, sig_hash or hashes.SHA384())
    return r.public_bytes(serialization.Encoding.DER)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parent.parent / "gpu" / "ocsp"
    )
    keys, certs = build_pki()
    R = lambda **kw: response(keys, certs, **kw)  # noqa: E731

    files: dict[str, bytes] = {}
    cases: list[dict] = []

    def case(name, file, expect, *, cert="leaf", issuer="intermediate", sent_nonce=None,
             desc, **extra):
        c = {"name": name, "file": file, "cert": cert, "issuer": issuer,
             "sent_nonce": sent_nonce.hex() if sent_nonce is not None else None,
             "expect": expect, "description": desc}
        c.update(extra)
        cases.append(c)

    this, nxt = NOW - HOUR, NOW - HOUR + 7 * DAY
    fresh = {"this_update": ts(this), "next_update": ts(nxt)}
    revoked_at = NOW - 10 * DAY

    # ---- good -------------------------------------------------------------------------------
    files["good_issuer.der"] = R()
    case("good_issuer", "good_issuer.der", "good", **fresh,
         desc="issuer-signed, responderID byName, SHA-384 CertID")
    files["good_issuer_by_key.der"] = R(by_key=True)
    case("good_issuer_by_key", "good_issuer_by_key.der", "good", **fresh,
         desc="issuer-signed, responderID byKey (SHA-1 of the issuer's key)")
    files["good_delegated.der"] = R(signer="responder", include=("responder",))
    case("good_delegated", "good_delegated.der", "good", **fresh,
         desc="signed by a delegated responder (EKU OCSPSigning) the issuer certified")
    files["good_sha1_certid.der"] = R(alg="sha1")
    case("good_sha1_certid", "good_sha1_certid.der", "good", **fresh,
         desc="CertID hashed with SHA-1 (nvat's choice)")
    files["good_sha256_certid.der"] = R(alg="sha256")
    case("good_sha256_certid", "good_sha256_certid.der", "good", **fresh,
         desc="CertID hashed with SHA-256")
    files["good_intermediate_by_root.der"] = R(cert="intermediate", issuer="root", signer="root")
    case("good_intermediate_by_root", "good_intermediate_by_root.der", "good",
         cert="intermediate", issuer="root", **fresh,
         desc="status of the intermediate, signed by the root (the trust anchor)")
    files["no_next_update_fresh.der"] = R(this=NOW - DAY, nxt=None)
    case("no_next_update_fresh", "no_next_update_fresh.der", "good",
         this_update=ts(NOW - DAY), next_update=None,
         desc="no nextUpdate, thisUpdate one day old (within the 7-day maximum age)")

    # ---- revoked / unknown --------------------------------------------------------------------
    files["revoked_key_compromise.der"] = R(status="revoked", reason="keyCompromise",
                                            revoked_at=revoked_at)
    case("revoked_key_compromise", "revoked_key_compromise.der", "revoked",
         reason="keyCompromise", revoked_at=ts(revoked_at), **fresh,
         desc="revoked, reason keyCompromise")
    files["revoked_certificate_hold.der"] = R(status="revoked", reason="certificateHold",
                                              revoked_at=revoked_at)
    case("revoked_certificate_hold", "revoked_certificate_hold.der", "revoked",
         reason="certificateHold", revoked_at=ts(revoked_at), **fresh,
         desc="revoked, reason certificateHold (NVIDIA's allow-hold flag applies)")
    files["revoked_no_reason.der"] = R(status="revoked", revoked_at=revoked_at)
    case("revoked_no_reason", "revoked_no_reason.der", "revoked", reason=None,
         revoked_at=ts(revoked_at), **fresh, desc="revoked without a reason code")
    files["unknown.der"] = R(status="unknown")
    case("unknown", "unknown.der", "unknown", desc="certStatus unknown")

    # ---- nonces -------------------------------------------------------------------------------
    files["nonce_echo.der"] = R(nonce=NONCE)
    case("nonce_echo", "nonce_echo.der", "good", sent_nonce=NONCE, **fresh,
         desc="the nonce sent is echoed (OCTET STRING-wrapped form, RFC 8954)")
    case("nonce_not_sent", "nonce_echo.der", "good", **fresh,
         desc="the response carries a nonce but none was sent: ignored")
    files["nonce_echo_raw.der"] = hand_response(
        certs["intermediate"], keys["intermediate"],
        [single(cert_id(certs["leaf"], certs["intermediate"], "sha384"), b"\x80\x00", this, nxt)],
        [seq(der_oid(OID_NONCE.dotted_string), tlv(0x04, NONCE))],
    )
    case("nonce_echo_raw", "nonce_echo_raw.der", "good", sent_nonce=NONCE, **fresh,
         desc="the nonce is echoed as the raw extnValue (no inner OCTET STRING)")
    files["nonce_wrong.der"] = R(nonce=OTHER_NONCE)
    case("nonce_wrong", "nonce_wrong.der", "invalid", sent_nonce=NONCE,
         desc="the response echoes a different nonce")
    case("nonce_missing", "good_issuer.der", "invalid", sent_nonce=NONCE,
         desc="a nonce was sent but the response has none")

    # ---- freshness ----------------------------------------------------------------------------
    files["stale.der"] = R(this=NOW - 10 * DAY, nxt=NOW - 3 * DAY)
    case("stale", "stale.der", "invalid", desc="nextUpdate three days before now")
    files["future_this_update.der"] = R(this=NOW + DAY)
    case("future_this_update", "future_this_update.der", "invalid",
         desc="thisUpdate one day after now (beyond the 5-minute skew)")
    files["no_next_update_old.der"] = R(this=NOW - 8 * DAY, nxt=None)
    case("no_next_update_old", "no_next_update_old.der", "invalid",
         desc="no nextUpdate and thisUpdate eight days old (over the 7-day maximum age)")

    # ---- responder authority ------------------------------------------------------------------
    # cryptography refuses a key that does not match the responder certificate, so name the
    # intermediate through a self-signed impostor certificate carrying its subject name.
    certs_with_impostor = dict(certs)
    certs_with_impostor["impostor"] = (
        x509.CertificateBuilder()
        .subject_name(certs["intermediate"].subject)
        .issuer_name(certs["intermediate"].subject)
        .public_key(keys["unrelated"].public_key())
        .serial_number(0x0BAD)
        .not_valid_before(NOW - DAY)
        .not_valid_after(NOW + DAY)
        .sign(keys["unrelated"], hashes.SHA384())
    )
    files["unrelated_key.der"] = response(
        keys, certs_with_impostor, signer="impostor", signer_key="unrelated"
    )
    case("unrelated_key", "unrelated_key.der", "invalid",
         desc="responderID names the issuer but an unrelated key signed it")
    files["responder_no_eku.der"] = R(signer="responder_no_eku", include=("responder_no_eku",))
    case("responder_no_eku", "responder_no_eku.der", "invalid",
         desc="delegated responder certificate without EKU OCSPSigning")
    files["responder_expired.der"] = R(signer="responder_expired",
                                       include=("responder_expired",))
    case("responder_expired", "responder_expired.der", "invalid",
         desc="delegated responder certificate expired 30 days before now")
    files["responder_root_issued.der"] = R(signer="responder_root_issued",
                                           include=("responder_root_issued",))
    case("responder_root_issued", "responder_root_issued.der", "invalid",
         desc="delegated responder (EKU OCSPSigning) certified by the root, not by the issuer")
    files["responder_not_included.der"] = R(signer="responder")
    case("responder_not_included", "responder_not_included.der", "invalid",
         desc="signed by the delegated responder but its certificate is not in `certs`")
    files["signature_sha256.der"] = R(sig_hash=hashes.SHA256())
    case("signature_sha256", "signature_sha256.der", "invalid",
         desc="ecdsa-with-SHA256: only ecdsa-with-SHA384 is accepted")

    # ---- CertID matching ----------------------------------------------------------------------
    files["other_serial.der"] = R(cert="leaf_other")
    case("other_serial", "other_serial.der", "invalid",
         desc="the only SingleResponse is for another serial")
    case("other_serial_for_its_cert", "other_serial.der", "good", cert="leaf_other", **fresh,
         desc="the same file checked for the certificate it is about")
    case("wrong_issuer_given", "good_issuer.der", "invalid", issuer="root",
         desc="the caller pairs the leaf with a certificate that did not issue it")
    files["multi.der"] = hand_response(
        certs["intermediate"], keys["intermediate"],
        [
            single(cert_id(certs["leaf_other"], certs["intermediate"], "sha1"), b"\x80\x00",
                   this, nxt),
            single(
                cert_id(certs["leaf"], certs["intermediate"], "sha384"),
                tlv(0xA1, der_time(revoked_at) + tlv(0xA0, tlv(0x0A, b"\x01"))),
                this, nxt,
            ),
        ],
        [],
    )
    case("multi_leaf", "multi.der", "revoked", reason="keyCompromise",
         revoked_at=ts(revoked_at), **fresh,
         desc="two SingleResponses (hand-encoded); the second, SHA-384 one is the leaf's")
    case("multi_other", "multi.der", "good", cert="leaf_other", **fresh,
         desc="two SingleResponses; the first, SHA-1 one is the other leaf's")

    # ---- malformed ----------------------------------------------------------------------------
    good = files["good_issuer.der"]
    files["truncated.der"] = good[: len(good) - 20]
    case("truncated", "truncated.der", "invalid", desc="good_issuer.der minus its last 20 bytes")
    files["trailing_bytes.der"] = good + b"\x00\x00"
    case("trailing_bytes", "trailing_bytes.der", "invalid",
         desc="good_issuer.der plus two zero bytes")
    tampered = bytearray(good)
    serial_der = der_int(LEAF_SERIAL)
    at = good.index(serial_der) + len(serial_der) - 1
    tampered[at] ^= 0x01
    files["tampered.der"] = bytes(tampered)
    case("tampered", "tampered.der", "invalid",
         desc="good_issuer.der with one serial bit flipped (signature no longer verifies)")
    files["try_later.der"] = ocsp.OCSPResponseBuilder.build_unsuccessful(
        ocsp.OCSPResponseStatus.TRY_LATER
    ).public_bytes(serialization.Encoding.DER)
    case("try_later", "try_later.der", "invalid", desc="responseStatus tryLater")

    # ---- cache directory for DirOcspSource ----------------------------------------------------
    cache = {
        "leaf_sha1.der": R(alg="sha1"),
        "leaf_sha384_older.der": R(this=NOW - 2 * DAY, nxt=NOW + 5 * DAY),
        "intermediate_sha384.ocsp": R(cert="intermediate", issuer="root", signer="root"),
        "multi.der": files["multi.der"],
        "garbage.der": b"this is not an OCSP response\n",
        "empty.ocsp": b"",
        "try_later.ocsp": files["try_later.der"],
        "notes.txt": b"Not a response: DirOcspSource reads only *.der and *.ocsp files.\n",
    }
    lookups = [
        {"cert": "leaf", "issuer": "intermediate", "file": "leaf_sha1.der",
         "desc": "two files match the leaf (SHA-1 and SHA-384 CertIDs); the newer wins"},
        {"cert": "intermediate", "issuer": "root", "file": "intermediate_sha384.ocsp",
         "desc": "SHA-384 CertID, .ocsp extension"},
        {"cert": "leaf_other", "issuer": "intermediate", "file": "multi.der",
         "desc": "SHA-1 CertID inside a two-response file"},
        {"cert": "leaf", "issuer": "root", "file": None, "desc": "wrong issuer: no match"},
        {"cert": "root", "issuer": "root", "file": None, "desc": "nothing about the root"},
    ]

    # ---- requests (oracle for build_request) --------------------------------------------------
    requests = {
        "leaf_sha384_nonce.der": ocsp.OCSPRequestBuilder()
        .add_certificate(certs["leaf"], certs["intermediate"], hashes.SHA384())
        .add_extension(x509.OCSPNonce(NONCE), critical=True)
        .build()
        .public_bytes(serialization.Encoding.DER),
        "leaf_sha384.der": ocsp.OCSPRequestBuilder()
        .add_certificate(certs["leaf"], certs["intermediate"], hashes.SHA384())
        .build()
        .public_bytes(serialization.Encoding.DER),
    }

    # ---- self-checks with cryptography ----------------------------------------------------------
    for fname, blob in files.items():
        if fname in ("truncated.der", "trailing_bytes.der"):
            continue
        ocsp.load_der_ocsp_response(blob)

    # ---- write --------------------------------------------------------------------------------
    for sub in ("pki", "keys", "responses", "requests", "cache"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    for n, c in certs.items():
        (out / "pki" / f"{n}.pem").write_bytes(c.public_bytes(serialization.Encoding.PEM))
    for n, k in keys.items():
        (out / "keys" / f"{n}.TEST-ONLY.key.pem").write_bytes(
            k.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    for fname, blob in files.items():
        (out / "responses" / fname).write_bytes(blob)
    for fname, blob in cache.items():
        (out / "cache" / fname).write_bytes(blob)
    for fname, blob in requests.items():
        (out / "requests" / fname).write_bytes(blob)
    index = {
        "comment": "Generated by tests/vectors/gen/gpu_ocsp.py (cryptography==50.0.2). "
        "TEST PKI only. Times are Unix seconds.",
        "now": ts(NOW),
        "now_rfc3339": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nonce": NONCE.hex(),
        "certs": {n: f"pki/{n}.pem" for n in certs},
        "anchor": "root",
        "cases": cases,
        "cache_lookups": lookups,
        "requests": {
            "leaf_sha384_nonce.der": {"cert": "leaf", "issuer": "intermediate",
                                      "nonce": NONCE.hex()},
            "leaf_sha384.der": {"cert": "leaf", "issuer": "intermediate", "nonce": None},
        },
    }
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    print(f"wrote {len(files)} responses, {len(cases)} cases, {len(cache)} cache files to {out}")


if __name__ == "__main__":
    main()
