#!/usr/bin/env python3
"""Synthetic NVIDIA RIMs (reference integrity manifests) that MATCH the bundled sample report.

NVIDIA's sample attestation report (tests/vectors/gpu/nvidia/hopperAttestationReport.txt) was
produced by driver 550.90.07 and VBIOS 96.00.9F.00.01, but the RIMs bundled with NVIDIA's
verifier are for other versions, so the measurement comparison can only ever fail with them.
This script builds the success path with a TEST PKI:

  * a P-384 chain in the shape of NVIDIA's RIM signing chain, leaf first:
      "ccverify TEST RIM Signer" (keyUsage digitalSignature)
        <- "ccverify TEST RIM L3" <- "ccverify TEST RIM CA" <- "ccverify TEST RIM Root CA"
    all valid 2024-01-01T00:00:00Z .. 2044-01-01T00:00:00Z;
  * NV_GPU_DRIVER_GH100_550.90.07.xml and NV_GPU_VBIOS_1010_0200_882_96009F0001.xml in the exact
    shape of the real RIMs (SWID 2015 namespace with the same namespace declarations and
    prefixes, Entity / Meta / Payload with 64 Resources / enveloped ds:Signature carrying the 4
    certificates leaf first). The active index sets, alternative counts and names are copied
    from the real test driver RIM and a real PROD VBIOS RIM; every active golden measurement
    has the sample report's runtime value among its alternatives (the real alternatives are
    kept when one already matches, otherwise the last alternative is replaced);
  * signed by signxml: Canonical XML 1.1, ecdsa-sha384, sha384 digest, enveloped signature;
    then checked again with signxml's verifier.

Outputs (in OUTDIR, default tests/vectors/gpu/synthetic):
  test_rim_root.pem, test_rim_ca.pem, test_rim_l3.pem, test_rim_signer.pem,
  test_rim_signer_chain.pem (the 4 certificates, leaf first),
  test_rim_{root,ca,l3,signer}.key.pem (PKCS#8 private keys: TEST ONLY, never trust them),
  NV_GPU_DRIVER_GH100_550.90.07.xml, NV_GPU_VBIOS_1010_0200_882_96009F0001.xml.

ECDSA signatures and the generated keys are random, so every run writes different bytes. The
outputs are generated once and committed; re-run only to change them.

Usage: python gpu_rims.py [OUTDIR]        (deps: requirements-gpu.txt)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)

REPO = Path(__file__).resolve().parents[3]
NVIDIA = REPO / "tests" / "vectors" / "gpu" / "nvidia"
REPORT = NVIDIA / "hopperAttestationReport.txt"
TEMPLATE_DRIVER = NVIDIA / "rims" / "Driver_RIM_test_no_gpu.swidtag"
TEMPLATE_VBIOS = NVIDIA / "rims" / "1010_0200_882_96005E0001_PROD.swidtag"

NOT_BEFORE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
NOT_AFTER = dt.datetime(2044, 1, 1, tzinfo=dt.timezone.utc)

NS_SWID = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
NS_SHA384 = "http://www.w3.org/2001/04/xmlenc#sha384"
NS_TCG = "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/"

RIMS = [
    # (RIM id, template, colloquialVersion)
    ("NV_GPU_DRIVER_GH100_550.90.07", TEMPLATE_DRIVER, "550.90.07"),
    ("NV_GPU_VBIOS_1010_0200_882_96009F0001", TEMPLATE_VBIOS, "96.00.9f.00.01"),
]


# --------------------------------------------------------------------------
# Sample report: SPDM measurement blocks (spec section 2.3)
# --------------------------------------------------------------------------
def runtime_blocks() -> dict[int, bytes]:
    raw = bytes.fromhex(REPORT.read_text().strip())
    assert raw[37] == 0x11 and raw[38] == 0x60, "not an SPDM 1.1 MEASUREMENTS response"
    count = raw[41]
    length = int.from_bytes(raw[42:45], "little")
    off, end = 45, 45 + length
    blocks: dict[int, bytes] = {}
    for _ in range(count):
        index, spec = raw[off], raw[off + 1]
        size = int.from_bytes(raw[off + 2 : off + 4], "little")
        vsize = int.from_bytes(raw[off + 5 : off + 7], "little")
        assert spec == 1 and size == vsize + 3
        blocks[index] = raw[off + 7 : off + 7 + vsize]
        off += 4 + size
    assert off == end and len(blocks) == count == 64
    return blocks


# --------------------------------------------------------------------------
# Test PKI
# --------------------------------------------------------------------------
def name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ccverify TEST ONLY"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )


def make_cert(cn, key, issuer_cn, issuer_key, *, ca: bool, path_len=None):
    pub = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(name(issuer_cn))
        .public_key(pub)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
        .add_extension(
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
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(issuer_key, hashes.SHA384())


def make_pki():
    keys = {n: ec.generate_private_key(ec.SECP384R1()) for n in ("root", "ca", "l3", "signer")}
    root = make_cert("ccverify TEST RIM Root CA", keys["root"], "ccverify TEST RIM Root CA", keys["root"], ca=True)
    ca = make_cert("ccverify TEST RIM CA", keys["ca"], "ccverify TEST RIM Root CA", keys["root"], ca=True)
    l3 = make_cert("ccverify TEST RIM L3", keys["l3"], "ccverify TEST RIM CA", keys["ca"], ca=True, path_len=0)
    signer = make_cert("ccverify TEST RIM Signer", keys["signer"], "ccverify TEST RIM L3", keys["l3"], ca=False)
    return keys, {"root": root, "ca": ca, "l3": l3, "signer": signer}


def pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


# --------------------------------------------------------------------------
# RIM construction
# --------------------------------------------------------------------------
def template_resources(path: Path):
    """(index, active, [HashK hex], name) of every Resource, via a namespace-aware parse."""
    root = etree.fromstring(path.read_bytes())
    out = []
    for r in root.iter(f"{{{NS_SWID}}}Resource"):
        n = int(r.get("alternatives"))
        hashes_ = [r.get(f"{{{NS_SHA384}}}Hash{k}") for k in range(n)]
        out.append((int(r.get("index")), r.get("active") == "True", hashes_, r.get("name")))
    return out


def template_meta(path: Path) -> dict[str, str]:
    root = etree.fromstring(path.read_bytes())
    meta = root.find(f"{{{NS_SWID}}}Meta")
    return dict(meta.attrib)


def build_unsigned(rim_id: str, template: Path, version: str, blocks: dict[int, bytes]) -> tuple[str, list[int]]:
    meta = template_meta(template)
    assert meta["product"] == "GH100"
    lines = [
        f'<SoftwareIdentity xmlns="{NS_SWID}" xmlns:ns0="{NS_SWID}" xmlns:ns2="{NS_SHA384}" '
        f'corpus="false" name="GH100" patch="false" supplemental="false" '
        f'tagId="{hashlib.sha384(rim_id.encode()).hexdigest()}" version="1.0" tagVersion="0">',
        '    <ns0:Entity name="NVIDIA Corporation" role="softwareCreator tagCreator"/>',
        f'    <ns0:Meta xmlns:ns1="{NS_TCG}" colloquialVersion="{version}" edition="{meta["edition"]}" '
        f'product="GH100" revision="{meta["revision"]}" PayloadType="direct" ns1:BindingSpec="RIMIM" '
        'ns1:BindingSpecVersion="1.01" ns1:PlatformManufacturerId="5703" '
        'ns1:PlatformManufacturerStr="NVIDIA Corporation" ns1:PlatformModel="GH100" '
        'ns1:FirmwareManufacturer="NVIDIA Corporation" ns1:FirmwareManufacturerId="5703"/>',
        f'    <ns0:Payload xmlns:SHA384="{NS_SHA384}">',
    ]
    active = []
    for index, is_active, alts, res_name in template_resources(template):
        alts = list(alts)
        if is_active:
            active.append(index)
            runtime = blocks[index + 1].hex()
            if runtime not in alts:
                alts[-1] = runtime
        hash_attrs = " ".join(f'ns2:Hash{k}="{h}"' for k, h in enumerate(alts))
        lines.append(
            f'        <ns0:Resource type="Measurement" index="{index}" active="{is_active}" '
            f'alternatives="{len(alts)}" {hash_attrs} name="{res_name}" size="48"/>'
        )
    lines.append("    </ns0:Payload>")
    lines.append("</SoftwareIdentity>")
    return "\n".join(lines), active


def sign(unsigned: str, signer_key, chain_pems: list[bytes]) -> bytes:
    root = etree.fromstring(unsigned.encode())
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA384,
        digest_algorithm=DigestAlgorithm.SHA384,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_1,
    )
    signed = signer.sign(root, key=signer_key, cert=[p.decode() for p in chain_pems])
    return etree.tostring(signed) + b"\n"


def self_check(xml: bytes, root_pem: bytes, leaf_pem: bytes, out_dir: Path) -> None:
    config = SignatureConfiguration(
        signature_methods=frozenset([SignatureMethod.ECDSA_SHA384]),
        digest_algorithms=frozenset([DigestAlgorithm.SHA384]),
    )
    # Signature and digest with the embedded leaf; the chain is checked by the Rust tests.
    XMLVerifier().verify(xml, x509_cert=leaf_pem.decode(), expect_config=config)
    # Shape checks.
    text = xml.decode()
    assert text.count("<ds:X509Certificate>") == 4
    assert re.search(r"</ns0:Payload>\n<ds:Signature xmlns:ds=", text)
    assert text.endswith("</ds:Signature></SoftwareIdentity>\n")


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "tests" / "vectors" / "gpu" / "synthetic"
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks = runtime_blocks()
    keys, certs = make_pki()
    for n, cert in certs.items():
        (out_dir / f"test_rim_{n}.pem").write_bytes(pem(cert))
        (out_dir / f"test_rim_{n}.key.pem").write_bytes(
            keys[n].private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    chain = [pem(certs[n]) for n in ("signer", "l3", "ca", "root")]
    (out_dir / "test_rim_signer_chain.pem").write_bytes(b"".join(chain))
    for rim_id, template, version in RIMS:
        unsigned, active = build_unsigned(rim_id, template, version, blocks)
        xml = sign(unsigned, keys["signer"], chain)
        self_check(xml, chain[-1], chain[0], out_dir)
        (out_dir / f"{rim_id}.xml").write_bytes(xml)
        print(f"{rim_id}.xml: {len(xml)} bytes, active indices {active}")
    print(f"wrote {out_dir}")


if __name__ == "__main__":
    main()
