package ccverify

import (
	"encoding/json"
	"fmt"
	"time"
)

// Ptr returns a pointer to v, for the optional fields of the options (nil means "not set":
// the preset's or the core's default).
func Ptr[T any](v T) *T { return &v }

// Policy is the appraisal policy of a whole attestation (ReportOptions, BundleOptions,
// ClientConfig): it starts from Preset ("" = "default"; LoadPolicy gives every preset) and each
// field that is set overrides it. Nil pointers, empty strings and nil slices are "not set". A
// value the core refuses (a malformed digest or hex value, an unknown TCB status, an unknown
// preset) is an ErrInvalidArgument error where the policy is used.
type Policy struct {
	// Preset is the preset to start from: "default", "offline" or "strict" ("" = "default").
	Preset string
	// Offline fetches nothing: a session fetches no RIMs, OCSP answers or Intel collateral.
	Offline *bool
	// ImageDigests are the accepted image_digest values ("sha256:" + 64 lowercase hex).
	ImageDigests []string
	// RequireImageDigest fails report.image_digest when no allowlist is configured.
	RequireImageDigest *bool
	// RequireKeyBinding fails report.key_binding: io.net does not bind the signing key into
	// the hardware evidence (default false: warned).
	RequireKeyBinding *bool
	// GPU is the GPU appraisal (nil = the preset's).
	GPU *GPUPolicy
	// TDX is the TDX appraisal (nil = the preset's).
	TDX *TDXPolicy
	// Trust is the roots to trust: TrustProduction (NVIDIA's and Intel's pinned roots, also
	// what "" means), TrustTest (ccverify's TEST PKI, e.g. for `ccverify sandbox --evidence
	// test`: proves nothing about real hardware; verdicts carry a trust.anchors warning and say
	// "TEST ROOTS") or TrustAnchorFile(path) (a PEM file of your own roots; verdicts say
	// "CALLER'S TRUST ANCHORS"). A bundle's recorded policy never selects anything but the
	// production roots.
	Trust Trust
}

// Trust names the roots a verification trusts.
type Trust string

const (
	// TrustProduction trusts NVIDIA's and Intel's production roots (the default).
	TrustProduction Trust = "production"
	// TrustTest trusts ccverify's TEST PKI, whose keys are public.
	TrustTest Trust = "test"
)

// TrustAnchorFile trusts the roots in a PEM file of your own (a private lab, a conformance
// suite): its P-256 root replaces Intel's, its P-384 roots NVIDIA's (device identity first,
// then RIM signing). A relative path is relative to the current directory. A file that cannot
// be read or holds no usable roots is an "invalid_argument" error at the call.
func TrustAnchorFile(path string) Trust {
	// The core's "file:" prefix: a file named like a root set ("test") is still that file.
	return Trust("file:" + path)
}

// GPUPolicy is the GPU part of a Policy and the policy of VerifyGPU. The zero value is the
// core's strict default.
type GPUPolicy struct {
	// ExpectedArch is the architecture to require ("" = "HOPPER", the only one supported).
	ExpectedArch string
	// ExpectedCount is how many GPUs must be attested; nil reports the count as a warning.
	ExpectedCount *int
	// RequireRevocation (nil = true): revocation must be proven by OCSP.
	RequireRevocation *bool
	// RequireRIMs (nil = true): RIMs, and so the measurement comparison, are required.
	RequireRIMs *bool
	// AllowExpiredRIMs accepts RIMs whose signer chain expired at the verification time.
	AllowExpiredRIMs *bool
	// AllowHoldForRIMs accepts a RIM signer certificate on hold (OCSP certificateHold).
	AllowHoldForRIMs *bool
}

// TDXPolicy is the TDX part of a Policy and the policy of VerifyTDX. The zero value is the
// core's strict default (UpToDate only, no debug TDs, measurements reported but not pinned).
type TDXPolicy struct {
	// AcceptedTCBStatuses are the TCB statuses to accept; nil means ["UpToDate"]. A non-nil
	// empty slice accepts none. "Revoked" is never accepted.
	AcceptedTCBStatuses []string
	// RejectedAdvisories are advisory ids ("INTEL-SA-…") that fail the verdict when listed.
	RejectedAdvisories []string
	// AllowDebug accepts debug or profiling TDs (never in production).
	AllowDebug *bool
	// TDAttributes pins TDATTRIBUTES exactly (16 hex digits; "" = not pinned).
	TDAttributes string
	// MRTD, RTMR0…RTMR3 and MRSEAM are allowlists of 96 hex digits each; empty = not pinned
	// (tdx.measurements is then a warning).
	MRTD   []string
	RTMR0  []string
	RTMR1  []string
	RTMR2  []string
	RTMR3  []string
	MRSEAM []string
	// XFAM is an allowlist of 16 hex digits each; empty = not pinned.
	XFAM []string
	// MaxCollateralAge refuses collateral issued longer ago than this (whole seconds count;
	// 0 = only Intel's own validity windows).
	MaxCollateralAge time.Duration
	// MinTCBEvalDataNumber is the minimum TCB evaluation data number (nil = none).
	MinTCBEvalDataNumber *uint32
	// MRCONFIGID, MROWNER and MROWNERCONFIG are allowlists of 96 hex digits each; empty = not
	// pinned.
	MRCONFIGID    []string
	MROWNER       []string
	MROWNERCONFIG []string
	// MRSIGNERSEAM is the allowlist of TDX module signers (96 hex digits each); nil = zero
	// only (Intel's own module), a non-nil empty slice = not pinned.
	MRSIGNERSEAM []string
	// SEAMAttributes is the allowlist of SEAMATTRIBUTES (16 hex digits each); nil = zero only,
	// a non-nil empty slice = not pinned.
	SEAMAttributes []string
	// FMSPC is the allowlist of platform FMSPC values (12 hex digits each); empty = not
	// pinned.
	FMSPC []string
	// MinTEETCBSVN is the minimum TEE_TCB_SVN, 32 hex digits compared byte by byte ("" =
	// none).
	MinTEETCBSVN string
	// QEVendorID is the QE vendor id the quote must name, 32 hex digits ("" = Intel's).
	QEVendorID string
	// RequireSEPTVEDisable requires the SEPT_VE_DISABLE TD attribute (nil = true).
	RequireSEPTVEDisable *bool
}

// ReportOptions are the options of VerifyReport. Nonce is required.
type ReportOptions struct {
	// Nonce is the hex nonce sent to the attestation endpoint.
	Nonce string
	// Policy is the appraisal policy (nil = the "default" preset).
	Policy *Policy
	// RIMDir is a directory of NVIDIA RIMs named by RIM id ("" = none).
	RIMDir string
	// OCSPDir is a directory of cached DER OCSP responses ("" = none).
	OCSPDir string
	// Collateral is Intel's collateral for the TDX quote (dcap-qvl's QuoteCollateralV3 JSON;
	// nil = none, and the quote's TCB and signature chain cannot be checked).
	Collateral []byte
	// At is the verification time; the zero time means the system clock at the call.
	At time.Time
}

// BundleOptions are the options of VerifyBundle. The zero value (or nil) verifies now under
// the default preset.
type BundleOptions struct {
	// At is the verification time; the zero time means now.
	At time.Time
	// AtRecorded uses the time the bundle says it was verified at (its writer chose it; the
	// verdict warns). Exclusive with At.
	AtRecorded bool
	// Policy is the appraisal policy (nil = the "default" preset).
	Policy *Policy
	// PolicyRecorded uses the policy stored in the bundle (its writer could have relaxed it;
	// the verdict warns). Exclusive with Policy.
	PolicyRecorded bool
}

// ClientConfig says how to reach the io.net gateway and how to judge what it says. The zero
// value (or nil) is the public gateway, $IO_API_KEY and the default policy.
type ClientConfig struct {
	// BaseURL is the gateway's base URL without /v1 ("" = https://api.intelligence.io.net).
	BaseURL string
	// APIKey is sent as Authorization: Bearer ("" = $IO_API_KEY).
	APIKey string
	// Timeout is the per-request timeout, connection to last byte (0 = 120 s; streams: per read).
	Timeout time.Duration
	// Retries on connection failures, 429 and 5xx (nil = 3).
	Retries *int
	// Backoff is the first retry backoff, doubling (0 = 500 ms).
	Backoff time.Duration
	// Policy is the appraisal policy of the attestation (nil = the "default" preset).
	Policy *Policy
	// AllowUnverified chats even when the attestation did not verify (every reply is then
	// marked unverified).
	AllowUnverified bool
	// Strict (nil = on, unless AllowUnverified): a reply that did not verify is an
	// *UnverifiedError instead of a reply with Verified false.
	Strict *bool
	// RIMDir and OCSPDir are local NVIDIA RIMs and DER OCSP responses, consulted first.
	RIMDir  string
	OCSPDir string
	// Collateral is Intel collateral for the TDX quote (nil = fetched, unless offline).
	Collateral []byte
	// PCCSURL is the Intel PCS or PCCS base URL for the collateral ("" = Intel PCS).
	PCCSURL string
	// RIMURL is the base URL of an NVIDIA RIM service, RIMs at {RIMURL}/v1/rim/{id} ("" =
	// NVIDIA's), e.g. the rim_url of `ccverify sandbox --evidence test`.
	RIMURL string
	// OCSPURL is an OCSP responder asked about every certificate ("" = each certificate's
	// own), e.g. the test sandbox's ocsp_url.
	OCSPURL string
	// At is the verification time (the zero time = the clock at attestation).
	At time.Time
	// RecordExchanges keeps every exchange in the session's bundle (memory grows per call).
	RecordExchanges bool
	// Headers are extra request headers sent to the gateway.
	Headers map[string]string
}

// LoadPolicy reads a policy — a preset name, or a JSON or TOML policy document — into the
// typed form, every field resolved (what a verification will apply). Unknown keys are an
// ErrInvalidArgument error, so a typo cannot weaken a policy.
func LoadPolicy(text string) (*Policy, error) {
	canonical, err := NormalizePolicy(text)
	if err != nil {
		return nil, err
	}
	var wire struct {
		Preset             string   `json:"preset"`
		Offline            bool     `json:"offline"`
		ImageDigests       []string `json:"image_digests"`
		RequireImageDigest bool     `json:"require_image_digest"`
		RequireKeyBinding  bool     `json:"require_key_binding"`
		Trust              Trust    `json:"trust"`
		GPU                struct {
			ExpectedArch      string `json:"expected_arch"`
			ExpectedCount     *int   `json:"expected_count"`
			RequireRevocation bool   `json:"require_revocation"`
			RequireRIMs       bool   `json:"require_rims"`
			AllowExpiredRIMs  bool   `json:"allow_expired_rims"`
			AllowHoldForRIMs  bool   `json:"allow_hold_for_rims"`
		} `json:"gpu"`
		TDX struct {
			AcceptedTCBStatuses  []string `json:"accepted_tcb_statuses"`
			RejectedAdvisories   []string `json:"rejected_advisories"`
			AllowDebug           bool     `json:"allow_debug"`
			TDAttributes         *string  `json:"td_attributes"`
			MRTD                 []string `json:"mrtd"`
			RTMR0                []string `json:"rtmr0"`
			RTMR1                []string `json:"rtmr1"`
			RTMR2                []string `json:"rtmr2"`
			RTMR3                []string `json:"rtmr3"`
			MRSEAM               []string `json:"mrseam"`
			XFAM                 []string `json:"xfam"`
			MaxCollateralAgeSecs *int64   `json:"max_collateral_age_secs"`
			MinTCBEvalDataNumber *uint32  `json:"min_tcb_eval_data_number"`
			MRCONFIGID           []string `json:"mrconfigid"`
			MROWNER              []string `json:"mrowner"`
			MROWNERCONFIG        []string `json:"mrownerconfig"`
			MRSIGNERSEAM         []string `json:"mrsignerseam"`
			SEAMAttributes       []string `json:"seam_attributes"`
			FMSPC                []string `json:"fmspc"`
			MinTEETCBSVN         *string  `json:"min_tee_tcb_svn"`
			QEVendorID           string   `json:"qe_vendor_id"`
			RequireSEPTVEDisable bool     `json:"require_sept_ve_disable"`
		} `json:"tdx"`
	}
	if err := json.Unmarshal([]byte(canonical), &wire); err != nil {
		return nil, &Error{Code: "internal", Message: fmt.Sprintf("canonical policy: %v", err)}
	}
	g, x := wire.GPU, wire.TDX
	p := &Policy{
		Preset:             wire.Preset,
		Offline:            Ptr(wire.Offline),
		ImageDigests:       wire.ImageDigests,
		RequireImageDigest: Ptr(wire.RequireImageDigest),
		RequireKeyBinding:  Ptr(wire.RequireKeyBinding),
		Trust:              wire.Trust,
		GPU: &GPUPolicy{
			ExpectedArch:      g.ExpectedArch,
			ExpectedCount:     g.ExpectedCount,
			RequireRevocation: Ptr(g.RequireRevocation),
			RequireRIMs:       Ptr(g.RequireRIMs),
			AllowExpiredRIMs:  Ptr(g.AllowExpiredRIMs),
			AllowHoldForRIMs:  Ptr(g.AllowHoldForRIMs),
		},
		TDX: &TDXPolicy{
			AcceptedTCBStatuses:  x.AcceptedTCBStatuses,
			RejectedAdvisories:   x.RejectedAdvisories,
			AllowDebug:           Ptr(x.AllowDebug),
			MRTD:                 x.MRTD,
			RTMR0:                x.RTMR0,
			RTMR1:                x.RTMR1,
			RTMR2:                x.RTMR2,
			RTMR3:                x.RTMR3,
			MRSEAM:               x.MRSEAM,
			XFAM:                 x.XFAM,
			MinTCBEvalDataNumber: x.MinTCBEvalDataNumber,
			MRCONFIGID:           x.MRCONFIGID,
			MROWNER:              x.MROWNER,
			MROWNERCONFIG:        x.MROWNERCONFIG,
			MRSIGNERSEAM:         x.MRSIGNERSEAM,
			SEAMAttributes:       x.SEAMAttributes,
			FMSPC:                x.FMSPC,
			QEVendorID:           x.QEVendorID,
			RequireSEPTVEDisable: Ptr(x.RequireSEPTVEDisable),
		},
	}
	if x.MinTEETCBSVN != nil {
		p.TDX.MinTEETCBSVN = *x.MinTEETCBSVN
	}
	if x.TDAttributes != nil {
		p.TDX.TDAttributes = *x.TDAttributes
	}
	if x.MaxCollateralAgeSecs != nil {
		p.TDX.MaxCollateralAge = time.Duration(*x.MaxCollateralAgeSecs) * time.Second
	}
	return p, nil
}

// The documents below are the shared snake_case form the C ABI reads; only fields that are set
// are written, so everything else keeps the preset's or the core's default.

func setText(doc map[string]any, key, value string) {
	if value != "" {
		doc[key] = value
	}
}

func setList(doc map[string]any, key string, value []string) {
	if value != nil {
		doc[key] = value
	}
}

func setPtr[T any](doc map[string]any, key string, value *T) {
	if value != nil {
		doc[key] = *value
	}
}

func setTime(doc map[string]any, key string, value time.Time) {
	if !value.IsZero() {
		doc[key] = value.Unix()
	}
}

func (p *GPUPolicy) document() map[string]any {
	doc := map[string]any{}
	if p == nil {
		return doc
	}
	setText(doc, "expected_arch", p.ExpectedArch)
	setPtr(doc, "expected_count", p.ExpectedCount)
	setPtr(doc, "require_revocation", p.RequireRevocation)
	setPtr(doc, "require_rims", p.RequireRIMs)
	setPtr(doc, "allow_expired_rims", p.AllowExpiredRIMs)
	setPtr(doc, "allow_hold_for_rims", p.AllowHoldForRIMs)
	return doc
}

func (p *TDXPolicy) document() map[string]any {
	doc := map[string]any{}
	if p == nil {
		return doc
	}
	setList(doc, "accepted_tcb_statuses", p.AcceptedTCBStatuses)
	setList(doc, "rejected_advisories", p.RejectedAdvisories)
	setPtr(doc, "allow_debug", p.AllowDebug)
	setText(doc, "td_attributes", p.TDAttributes)
	for key, list := range map[string][]string{
		"mrtd": p.MRTD, "rtmr0": p.RTMR0, "rtmr1": p.RTMR1, "rtmr2": p.RTMR2, "rtmr3": p.RTMR3,
		"mrseam": p.MRSEAM, "xfam": p.XFAM, "mrconfigid": p.MRCONFIGID, "mrowner": p.MROWNER,
		"mrownerconfig": p.MROWNERCONFIG, "fmspc": p.FMSPC,
	} {
		if len(list) > 0 {
			doc[key] = list
		}
	}
	if p.MaxCollateralAge > 0 {
		doc["max_collateral_age_secs"] = int64(p.MaxCollateralAge / time.Second)
	}
	setPtr(doc, "min_tcb_eval_data_number", p.MinTCBEvalDataNumber)
	setList(doc, "mrsignerseam", p.MRSIGNERSEAM)
	setList(doc, "seam_attributes", p.SEAMAttributes)
	setText(doc, "min_tee_tcb_svn", p.MinTEETCBSVN)
	setText(doc, "qe_vendor_id", p.QEVendorID)
	setPtr(doc, "require_sept_ve_disable", p.RequireSEPTVEDisable)
	return doc
}

func (p *Policy) document() map[string]any {
	doc := map[string]any{}
	setText(doc, "preset", p.Preset)
	setPtr(doc, "offline", p.Offline)
	setList(doc, "image_digests", p.ImageDigests)
	setPtr(doc, "require_image_digest", p.RequireImageDigest)
	setPtr(doc, "require_key_binding", p.RequireKeyBinding)
	setText(doc, "trust", string(p.Trust))
	if p.GPU != nil {
		doc["gpu"] = p.GPU.document()
	}
	if p.TDX != nil {
		doc["tdx"] = p.TDX.document()
	}
	return doc
}

// policyValue is a policy's document, or nil for the default.
func policyValue(p *Policy) any {
	if p == nil {
		return nil
	}
	return p.document()
}

func marshal(doc map[string]any) (string, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return "", &Error{Code: "invalid_argument", Message: err.Error()}
	}
	return string(b), nil
}

func (o *ReportOptions) optionsJSON() (string, error) {
	doc := map[string]any{"nonce": o.Nonce}
	if p := policyValue(o.Policy); p != nil {
		doc["policy"] = p
	}
	setText(doc, "rim_dir", o.RIMDir)
	setText(doc, "ocsp_dir", o.OCSPDir)
	if o.Collateral != nil {
		doc["collateral"] = string(o.Collateral)
	}
	setTime(doc, "at", o.At)
	return marshal(doc)
}

func (o *BundleOptions) optionsJSON() (string, error) {
	if o == nil {
		return "", nil
	}
	doc := map[string]any{}
	switch {
	case o.AtRecorded && !o.At.IsZero():
		return "", &Error{Code: "invalid_argument", Message: "give At or AtRecorded, not both"}
	case o.AtRecorded:
		doc["at"] = "recorded"
	default:
		setTime(doc, "at", o.At)
	}
	switch {
	case o.PolicyRecorded && o.Policy != nil:
		return "", &Error{Code: "invalid_argument", Message: "give Policy or PolicyRecorded, not both"}
	case o.PolicyRecorded:
		doc["policy"] = "recorded"
	case o.Policy != nil:
		doc["policy"] = o.Policy.document()
	}
	return marshal(doc)
}

func (c *ClientConfig) configJSON() (string, error) {
	if c == nil {
		return "", nil
	}
	doc := map[string]any{}
	setText(doc, "base_url", c.BaseURL)
	setText(doc, "api_key", c.APIKey)
	if c.Timeout > 0 {
		doc["timeout_ms"] = c.Timeout.Milliseconds()
	}
	setPtr(doc, "retries", c.Retries)
	if c.Backoff > 0 {
		doc["backoff_ms"] = c.Backoff.Milliseconds()
	}
	if p := policyValue(c.Policy); p != nil {
		doc["policy"] = p
	}
	if c.AllowUnverified {
		doc["allow_unverified"] = true
	}
	setPtr(doc, "strict", c.Strict)
	setText(doc, "rim_dir", c.RIMDir)
	setText(doc, "ocsp_dir", c.OCSPDir)
	if c.Collateral != nil {
		doc["collateral"] = string(c.Collateral)
	}
	setText(doc, "pccs_url", c.PCCSURL)
	setText(doc, "rim_url", c.RIMURL)
	setText(doc, "ocsp_url", c.OCSPURL)
	setTime(doc, "at", c.At)
	if c.RecordExchanges {
		doc["record_exchanges"] = true
	}
	if c.Headers != nil {
		doc["headers"] = c.Headers
	}
	return marshal(doc)
}
