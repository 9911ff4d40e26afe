#!/usr/bin/env python3
"""Synthetic eight-GPU evidence under a TEST device PKI, for multi-GPU tests and benchmarks.

Real eight-GPU machines present eight distinct attestation keys (leaf) and device CAs (BROM)
under shared NVIDIA intermediates. NVIDIA publishes one sample report only, so this script
builds that shape with a TEST root:

  ccverify TEST Device Identity CA (self-signed)
    -> ccverify TEST GH100 Identity -> ccverify TEST GH100 Provisioner ICA 1
       -> GH100 A01 GSP BROM (one per GPU) -> GH100 A01 GSP FMC LF (one per GPU)

Each leaf has NVIDIA's extensions (critical keyUsage digitalSignature, SAN otherName
NVIDIA:GH100:<id>, TCG DICE TcbInfo 2.23.133.5.4.1 carrying the sample report's FWID), and each
GPU's report is NVIDIA's sample report re-signed with that GPU's leaf key, so measurements,
versions and RIM ids are those of the real sample.

Output (tests/vectors/gpu/fleet/): device_root.pem, gpu_8.json (an io.net `gpu` object) and
TEST-ONLY keys. ECDSA signatures are randomised, so the bytes differ per run: generate once and
commit. Requires `cryptography` (tests/vectors/gen/requirements-gpu.txt).
"""

import base64
import datetime
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "vectors", "gpu", "fleet")
NV = os.path.join(ROOT, "tests", "vectors", "gpu", "nvidia")
NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
GPUS = 8

NOT_BEFORE = datetime.datetime(2022, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)


def key(seed):
    # Deterministic TEST keys (the signatures are still randomised).
    return ec.derive_private_key(seed, ec.SECP384R1())


def name(cn, serial=None):
    attrs = []
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    attrs += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ccverify TEST"),
              x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    return x509.Name(attrs)


def cert(subject, subject_key, issuer, issuer_key, serial, ca, extra=()):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(subject_key.public_key()).serial_number(serial)
         .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER))
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                            critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                            critical=True)
    for ext, critical in extra:
        b = b.add_extension(ext, critical=critical)
    return b.sign(issuer_key, hashes.SHA384())


def der_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def dice_tcb_info(fwid, pub):
    spki = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    sha384_oid = bytes.fromhex("0609608648016503040202")
    return tlv(0x30, tlv(0x02, b"\x01") + spki + tlv(0x30, sha384_oid + tlv(0x04, fwid)))


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM).decode().strip()


def main():
    os.makedirs(OUT, exist_ok=True)
    report = bytes.fromhex(open(os.path.join(NV, "hopperAttestationReport.txt")).read().strip())
    assert report[4:36].hex() == NONCE
    fwid = report[3968:4016]
    signed = report[:-96]

    root_k, ident_k, ica_k = key(0xC0FFEE01), key(0xC0FFEE02), key(0xC0FFEE03)
    root_n = name("ccverify TEST Device Identity CA")
    ident_n, ica_n = name("ccverify TEST GH100 Identity"), name("ccverify TEST GH100 Provisioner ICA 1")
    root = cert(root_n, root_k, root_n, root_k, 1, True)
    ident = cert(ident_n, ident_k, root_n, root_k, 2, True)
    ica = cert(ica_n, ica_k, ident_n, ident_k, 3, True)
    entries = []
    for i in range(GPUS):
        brom_k, leaf_k = key(0xB0000 + i), key(0x1EAF0 + i)
        dev_id = f"{0x48B02D92494BAD00 + i:016X}"
        brom_n = name("GH100 A01 GSP BROM", serial=f"41431D480FE5E872{i:02X}")
        leaf_n = name("GH100 A01 GSP FMC LF", serial=f"53C22BA15E5D68088282DA074ED9FB37AA5857{i:02X}")
        brom = cert(brom_n, brom_k, ica_n, ica_k, 0x100 + i, True)
        other = x509.OtherName(x509.ObjectIdentifier("1.3.6.1.4.1.412.274.1"),
                               tlv(0x0C, f"NVIDIA:GH100:{dev_id}".encode()))
        leaf = cert(leaf_n, leaf_k, brom_n, brom_k, 0x200 + i, False, extra=[
            (x509.SubjectAlternativeName([other]), False),
            (x509.UnrecognizedExtension(x509.ObjectIdentifier("2.23.133.5.4.1"),
                                        dice_tcb_info(fwid, leaf_k.public_key())), False),
        ])
        r, s = decode_dss_signature(leaf_k.sign(signed, ec.ECDSA(hashes.SHA384())))
        gpu_report = signed + r.to_bytes(48, "big") + s.to_bytes(48, "big")
        chain = "\n".join(pem(c) for c in (leaf, brom, ica, ident, root))
        entries.append({"evidence": base64.b64encode(gpu_report).decode(),
                        "certificate": base64.b64encode(chain.encode()).decode()})
    with open(os.path.join(OUT, "device_root.pem"), "w") as f:
        f.write(pem(root) + "\n")
    with open(os.path.join(OUT, "gpu_8.json"), "w") as f:
        json.dump({"nonce": NONCE, "arch": "HOPPER", "evidence_list": entries, "claims_version": "3.0"},
                  f, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write(
            "# Synthetic eight-GPU evidence (TEST PKI)\n\n"
            "Made by `tests/vectors/gen/gpu_fleet.py`: eight distinct leaf and BROM certificates under "
            "a TEST device root (`device_root.pem`), each GPU's report being NVIDIA's sample report "
            "re-signed by that GPU's leaf key. Only meaningful with test trust anchors (the `test-roots` "
            "feature); against NVIDIA's root every chain fails, as it must. Keys are derived from fixed "
            "TEST seeds; signatures are randomised, so regenerating changes the bytes.\n")


if __name__ == "__main__":
    main()
