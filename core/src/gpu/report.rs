//! Strict parser for a Hopper attestation report: an SPDM 1.1 GET_MEASUREMENTS request followed
//! by the signed MEASUREMENTS response and NVIDIA's opaque-data TLVs.
//!
//! Every length field is bounds-checked, the measurement record and the opaque data must be
//! consumed exactly, and nothing may follow the 96-byte signature. The parser never panics;
//! anything malformed is a [`ReportError`] with the offset and reason.

use std::collections::BTreeMap;

/// SPDM version byte both halves must carry (1.1).
pub const SPDM_VERSION_11: u8 = 0x11;
/// Request code GET_MEASUREMENTS.
pub const GET_MEASUREMENTS: u8 = 0xE0;
/// Response code MEASUREMENTS.
pub const MEASUREMENTS: u8 = 0x60;
/// Length of the request part (fixed on Hopper).
pub const REQUEST_LEN: usize = 37;
/// Length of the raw r‖s ECDSA P-384 signature at the end of the report.
pub const SIGNATURE_LEN: usize = 96;
/// Largest report accepted (real ones are about 4–5 KiB).
pub const MAX_REPORT_LEN: usize = 64 * 1024;

/// Opaque-data TLV types NVIDIA defines (Hopper and Blackwell share the table).
pub mod tlv {
    /// Driver version, ASCII, NUL-terminated.
    pub const DRIVER_VERSION: u16 = 3;
    /// GPU info.
    pub const GPU_INFO: u16 = 4;
    /// VBIOS version, 8 bytes.
    pub const VBIOS_VERSION: u16 = 6;
    /// NVDEC0 status: 0xAA enabled, 0x55 disabled.
    pub const NVDEC0_STATUS: u16 = 11;
    /// Measurement counters.
    pub const MSRSCNT: u16 = 12;
    /// Board id.
    pub const BOARD_ID: u16 = 14;
    /// Chip SKU, ASCII.
    pub const CHIP_SKU: u16 = 15;
    /// Chip SKU mod, ASCII.
    pub const CHIP_SKU_MOD: u16 = 16;
    /// Project, ASCII.
    pub const PROJECT: u16 = 17;
    /// Project SKU, ASCII.
    pub const PROJECT_SKU: u16 = 18;
    /// Firmware ID: a SHA-384 digest that must equal the leaf certificate's FWID.
    pub const FWID: u16 = 20;
    /// Protected-PCIe status byte.
    pub const PROTECTED_PCIE_STATUS: u16 = 21;
    /// NVSwitch PDIs.
    pub const SWITCH_PDI: u16 = 22;
    /// Opaque-data format version (absent = 0).
    pub const OPAQUE_DATA_VERSION: u16 = 34;
    /// Chip info (Blackwell).
    pub const CHIP_INFO: u16 = 35;
    /// Feature flag: 0 SPT, 1 MPT, 2 PPCIE.
    pub const FEATURE_FLAG: u16 = 36;
}

/// Why a report could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("attestation report offset {offset}: {reason}")]
pub struct ReportError {
    /// Byte offset where parsing stopped.
    pub offset: usize,
    /// What was wrong.
    pub reason: String,
}

/// One SPDM measurement block (DMTF format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasurementBlock {
    /// 1-based block index (RIM index i corresponds to block i+1).
    pub index: u8,
    /// DMTFSpecMeasurementValueType.
    pub value_type: u8,
    /// The measurement (48 bytes of SHA-384 on Hopper; all zero when unused).
    pub value: Vec<u8>,
}

/// A parsed attestation report. Borrowing nothing: the raw bytes are kept for the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationReport {
    raw: Vec<u8>,
    /// The requester's (verifier's) nonce, bytes 4..36: must equal the expected nonce.
    pub request_nonce: [u8; 32],
    /// SPDM request Param1 (bit 0: signature requested).
    pub request_attributes: u8,
    /// The GPU's own nonce in the response (freshness of the responder; not compared).
    pub responder_nonce: [u8; 32],
    /// Measurement blocks in report order.
    pub blocks: Vec<MeasurementBlock>,
    /// Opaque TLVs by type (unknown types kept; duplicates rejected at parse time).
    pub opaque: BTreeMap<u16, Vec<u8>>,
}

fn err<T>(offset: usize, reason: impl Into<String>) -> Result<T, ReportError> {
    Err(ReportError {
        offset,
        reason: reason.into(),
    })
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ReportError> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.buf.len() => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => err(
                self.pos,
                format!(
                    "{what}: needs {n} bytes, {} left",
                    self.buf.len().saturating_sub(self.pos)
                ),
            ),
        }
    }
    fn u8(&mut self, what: &str) -> Result<u8, ReportError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, ReportError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u24(&mut self, what: &str) -> Result<usize, ReportError> {
        let b = self.take(3, what)?;
        Ok(usize::from(b[0]) | usize::from(b[1]) << 8 | usize::from(b[2]) << 16)
    }
}

impl AttestationReport {
    /// Parses raw report bytes (as NVML returns them).
    pub fn parse(raw: &[u8]) -> Result<Self, ReportError> {
        if raw.len() > MAX_REPORT_LEN {
            return err(
                0,
                format!("{} bytes is larger than {MAX_REPORT_LEN}", raw.len()),
            );
        }
        let mut c = Cursor { buf: raw, pos: 0 };
        let v = c.u8("request SPDMVersion")?;
        if v != SPDM_VERSION_11 {
            return err(0, format!("request SPDM version 0x{v:02x}, expected 0x11"));
        }
        let code = c.u8("request code")?;
        if code != GET_MEASUREMENTS {
            return err(
                1,
                format!("request code 0x{code:02x}, expected 0xE0 GET_MEASUREMENTS"),
            );
        }
        let request_attributes = c.u8("request Param1")?;
        if request_attributes & 1 == 0 {
            return err(
                2,
                "request did not ask for a signature (Param1 bit 0 clear)",
            );
        }
        let _operation = c.u8("request Param2")?;
        let mut request_nonce = [0u8; 32];
        request_nonce.copy_from_slice(c.take(32, "request nonce")?);
        let _slot = c.u8("request SlotIDParam")?;

        let at = c.pos;
        let v = c.u8("response SPDMVersion")?;
        if v != SPDM_VERSION_11 {
            return err(
                at,
                format!("response SPDM version 0x{v:02x}, expected 0x11"),
            );
        }
        let code = c.u8("response code")?;
        if code != MEASUREMENTS {
            return err(
                at + 1,
                format!("response code 0x{code:02x}, expected 0x60 MEASUREMENTS"),
            );
        }
        let _p1 = c.u8("response Param1")?;
        let _p2 = c.u8("response Param2")?;
        let count = c.u8("NumberOfBlocks")?;
        let record_len = c.u24("MeasurementRecordLength")?;
        let record_at = c.pos;
        let record = c.take(record_len, "measurement record")?;
        let blocks = parse_blocks(record, record_at, count)?;
        let mut responder_nonce = [0u8; 32];
        responder_nonce.copy_from_slice(c.take(32, "responder nonce")?);
        let opaque_len = usize::from(c.u16("OpaqueLength")?);
        let opaque_at = c.pos;
        let opaque_bytes = c.take(opaque_len, "opaque data")?;
        let opaque = parse_opaque(opaque_bytes, opaque_at)?;
        let _sig = c.take(SIGNATURE_LEN, "signature")?;
        if c.pos != raw.len() {
            return err(
                c.pos,
                format!("{} trailing bytes after the signature", raw.len() - c.pos),
            );
        }
        Ok(AttestationReport {
            raw: raw.to_vec(),
            request_nonce,
            request_attributes,
            responder_nonce,
            blocks,
            opaque,
        })
    }

    /// The raw report.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The signed bytes: the whole report minus its last 96 bytes.
    pub fn signed_part(&self) -> &[u8] {
        &self.raw[..self.raw.len() - SIGNATURE_LEN]
    }

    /// The raw 96-byte r‖s signature.
    pub fn signature(&self) -> &[u8] {
        &self.raw[self.raw.len() - SIGNATURE_LEN..]
    }

    fn ascii(&self, t: u16) -> Option<String> {
        let v = self.opaque.get(&t)?;
        let s: String = v
            .iter()
            .take_while(|b| **b != 0)
            .map(|b| *b as char)
            .collect();
        Some(s.trim().to_string())
    }

    /// Driver version from TLV 3 (e.g. `550.90.07`).
    pub fn driver_version(&self) -> Option<String> {
        self.ascii(tlv::DRIVER_VERSION)
    }

    /// VBIOS version from TLV 6 in NVIDIA's dotted upper-case form (e.g. `96.00.9F.00.01`).
    pub fn vbios_version(&self) -> Option<String> {
        let v = self.opaque.get(&tlv::VBIOS_VERSION)?;
        if v.len() != 8 {
            return None;
        }
        Some(format!(
            "{:02X}.{:02X}.{:02X}.{:02X}.{:02X}",
            v[3], v[2], v[1], v[0], v[4]
        ))
    }

    /// Project (TLV 17), e.g. `1010`.
    pub fn project(&self) -> Option<String> {
        self.ascii(tlv::PROJECT)
    }

    /// Project SKU (TLV 18), e.g. `0200`.
    pub fn project_sku(&self) -> Option<String> {
        self.ascii(tlv::PROJECT_SKU)
    }

    /// Chip SKU (TLV 15), e.g. `882`.
    pub fn chip_sku(&self) -> Option<String> {
        self.ascii(tlv::CHIP_SKU)
    }

    /// FWID (TLV 20), when present.
    pub fn fwid(&self) -> Option<&[u8]> {
        self.opaque.get(&tlv::FWID).map(Vec::as_slice)
    }

    /// NVDEC0 status byte (TLV 11).
    pub fn nvdec0_status(&self) -> Option<u8> {
        self.opaque
            .get(&tlv::NVDEC0_STATUS)
            .and_then(|v| (v.len() == 1).then(|| v[0]))
    }

    /// Protected-PCIe status byte (TLV 21).
    pub fn protected_pcie_status(&self) -> Option<u8> {
        self.opaque
            .get(&tlv::PROTECTED_PCIE_STATUS)
            .and_then(|v| (v.len() == 1).then(|| v[0]))
    }

    fn le_int(&self, t: u16) -> Option<u64> {
        let v = self.opaque.get(&t)?;
        if v.is_empty() || v.len() > 8 {
            return None;
        }
        Some(v.iter().rev().fold(0u64, |acc, b| acc << 8 | u64::from(*b)))
    }

    /// Opaque-data version (TLV 34; 0 when absent).
    pub fn opaque_data_version(&self) -> u64 {
        self.le_int(tlv::OPAQUE_DATA_VERSION).unwrap_or(0)
    }

    /// Feature flag (TLV 36): 0 SPT, 1 MPT, 2 PPCIE; `None` when absent.
    pub fn feature_flag(&self) -> Option<u64> {
        self.le_int(tlv::FEATURE_FLAG)
    }

    /// The driver RIM id: `NV_GPU_DRIVER_GH100_<driver version>`.
    pub fn driver_rim_id(&self) -> Option<String> {
        let v = self.driver_version()?;
        (!v.is_empty()).then(|| format!("NV_GPU_DRIVER_GH100_{v}"))
    }

    /// The VBIOS RIM id: `NV_GPU_VBIOS_<PROJECT>_<PROJECT_SKU>_<CHIP_SKU>_<VBIOS hex>`.
    pub fn vbios_rim_id(&self) -> Option<String> {
        let clean = |s: String| s.replace(' ', "").to_ascii_uppercase();
        let project = clean(self.project()?);
        let sku = clean(self.project_sku()?);
        let chip = clean(self.chip_sku()?);
        let vbios = self.vbios_version()?.replace('.', "");
        if project.is_empty() || sku.is_empty() || chip.is_empty() {
            return None;
        }
        Some(format!("NV_GPU_VBIOS_{project}_{sku}_{chip}_{vbios}"))
    }

    /// (SPDM index, value) pairs for the measurement comparison.
    pub fn runtime_measurements(&self) -> Vec<(u8, Vec<u8>)> {
        self.blocks
            .iter()
            .map(|b| (b.index, b.value.clone()))
            .collect()
    }
}

fn parse_blocks(
    record: &[u8],
    base: usize,
    count: u8,
) -> Result<Vec<MeasurementBlock>, ReportError> {
    let mut c = Cursor {
        buf: record,
        pos: 0,
    };
    let mut blocks = Vec::with_capacity(usize::from(count));
    let mut seen = [false; 256];
    while c.pos < record.len() {
        let at = base + c.pos;
        let index = c.u8("block index")?;
        let spec = c.u8("MeasurementSpecification")?;
        if spec != 0x01 {
            return err(
                at + 1,
                format!(
                    "block {index}: MeasurementSpecification 0x{spec:02x}, expected 0x01 (DMTF)"
                ),
            );
        }
        let size = usize::from(c.u16("MeasurementSize")?);
        let body = c.take(size, "measurement")?;
        if body.len() < 3 {
            return err(
                at + 2,
                format!("block {index}: measurement size {size} < 3"),
            );
        }
        let value_type = body[0];
        let value_size = usize::from(u16::from_le_bytes([body[1], body[2]]));
        if value_size + 3 != size {
            return err(
                at + 4,
                format!("block {index}: value size {value_size} + 3 != measurement size {size}"),
            );
        }
        if index == 0 || seen[usize::from(index)] {
            return err(at, format!("block index {index} is zero or repeated"));
        }
        seen[usize::from(index)] = true;
        blocks.push(MeasurementBlock {
            index,
            value_type,
            value: body[3..].to_vec(),
        });
    }
    if blocks.len() != usize::from(count) {
        return err(
            base,
            format!(
                "NumberOfBlocks says {count}, the record holds {}",
                blocks.len()
            ),
        );
    }
    Ok(blocks)
}

fn parse_opaque(data: &[u8], base: usize) -> Result<BTreeMap<u16, Vec<u8>>, ReportError> {
    let mut c = Cursor { buf: data, pos: 0 };
    let mut out = BTreeMap::new();
    while c.pos < data.len() {
        let at = base + c.pos;
        let t = c.u16("opaque TLV type")?;
        let len = usize::from(c.u16("opaque TLV length")?);
        let v = c.take(len, "opaque TLV value")?;
        if out.insert(t, v.to_vec()).is_some() {
            return err(at, format!("opaque TLV type {t} repeated"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Vec<u8> {
        let hex_text =
            include_str!("../../../tests/vectors/gpu/nvidia/hopperAttestationReport.txt");
        hex::decode(hex_text.trim()).unwrap()
    }

    #[test]
    fn sample_a_fields() {
        let raw = sample();
        assert_eq!(raw.len(), 4117);
        let r = AttestationReport::parse(&raw).unwrap();
        assert_eq!(
            hex::encode(r.request_nonce),
            "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
        );
        assert_eq!(r.blocks.len(), 64);
        assert_eq!(r.driver_version().as_deref(), Some("550.90.07"));
        assert_eq!(r.vbios_version().as_deref(), Some("96.00.9F.00.01"));
        assert_eq!(r.nvdec0_status(), Some(0x55));
        assert_eq!(r.protected_pcie_status(), Some(0x55));
        assert_eq!(r.opaque_data_version(), 0);
        assert_eq!(r.feature_flag(), None);
        assert_eq!(r.fwid().map(|f| f.len()), Some(48));
        assert_eq!(r.fwid().map(|f| f == &raw[3968..4016]), Some(true));
        assert_eq!(
            r.driver_rim_id().as_deref(),
            Some("NV_GPU_DRIVER_GH100_550.90.07")
        );
        assert_eq!(
            r.vbios_rim_id().as_deref(),
            Some("NV_GPU_VBIOS_1010_0200_882_96009F0001")
        );
        assert_eq!(
            hex::encode(crate::crypto::sha384(r.signed_part())),
            "c4c39539573db26ed39893e0f7c657b0f530287676d10803170ff3fb8770797420bd807aec034071abba9a678d88c35a"
        );
        let zero: Vec<u8> = r
            .blocks
            .iter()
            .filter(|b| b.value.iter().all(|x| *x == 0))
            .map(|b| b.index)
            .collect();
        assert_eq!(zero.len(), 38);
    }

    #[test]
    fn strict_parse_rejects_mutations() {
        let raw = sample();
        // Truncations anywhere, and trailing bytes.
        for cut in [1usize, 10, 96, 2117, 4116] {
            assert!(
                AttestationReport::parse(&raw[..raw.len() - cut]).is_err(),
                "cut {cut}"
            );
        }
        let mut longer = raw.clone();
        longer.extend_from_slice(&[0, 0, 0, 0]);
        let e = AttestationReport::parse(&longer).unwrap_err();
        assert!(e.reason.contains("trailing"), "{e}");
        // NumberOfBlocks != real count.
        let mut m = raw.clone();
        m[41] = 63;
        assert!(
            AttestationReport::parse(&m)
                .unwrap_err()
                .reason
                .contains("NumberOfBlocks")
        );
        // MeasurementSpecification != 1 in block 1.
        let mut m = raw.clone();
        m[46] = 2;
        assert!(AttestationReport::parse(&m).is_err());
        // Duplicate block index: block 2 claims index 1.
        let mut m = raw.clone();
        m[45 + 55] = 1;
        assert!(
            AttestationReport::parse(&m)
                .unwrap_err()
                .reason
                .contains("repeated")
        );
        // Opaque TLV overrunning OpaqueLength: first TLV (VBIOS, at 3599) length 8 -> 0xFFFF.
        let mut m = raw.clone();
        m[3601] = 0xFF;
        m[3602] = 0xFF;
        assert!(AttestationReport::parse(&m).is_err());
        // Wrong versions / codes.
        for (off, val) in [(0usize, 0x12u8), (1, 0xE1), (37, 0x10), (38, 0x61), (2, 0)] {
            let mut m = raw.clone();
            m[off] = val;
            assert!(AttestationReport::parse(&m).is_err(), "offset {off}");
        }
        assert!(AttestationReport::parse(&[]).is_err());
    }

    #[test]
    fn unknown_tlv_kept_duplicate_rejected() {
        let raw = sample();
        // Turn the VBIOS TLV (type 6 at 3599) into an unknown type 40.
        let mut m = raw.clone();
        m[3599] = 40;
        let r = AttestationReport::parse(&m).unwrap();
        assert!(r.opaque.contains_key(&40));
        assert_eq!(r.vbios_version(), None);
        // Make it a duplicate of type 14 (BOARD_ID).
        let mut m = raw.clone();
        m[3599] = 14;
        assert!(
            AttestationReport::parse(&m)
                .unwrap_err()
                .reason
                .contains("repeated")
        );
    }
}
