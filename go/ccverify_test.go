package ccverify

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

type vector struct {
	ID              string            `json:"id"`
	Kind            string            `json:"kind"`
	RequestB64      string            `json:"request_b64"`
	ResponseB64     string            `json:"response_b64"`
	StreamB64       string            `json:"stream_b64"`
	Headers         map[string]string `json:"headers"`
	ExpectedAddress *string           `json:"expected_address"`
	Expect          struct {
		Verified     bool              `json:"verified"`
		Signer       *string           `json:"signer"`
		RequestHash  *string           `json:"request_hash"`
		ResponseHash *string           `json:"response_hash"`
		DeliveredB64 string            `json:"delivered_b64"`
		Checks       map[string]string `json:"checks"`
	} `json:"expect"`
}

func mustB64(t *testing.T, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExchangeVectors(t *testing.T) {
	files, _ := filepath.Glob(vectors("exchange", "*.json"))
	if len(files) < 40 {
		t.Fatalf("found %d vectors", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v vector
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		t.Run(v.ID, func(t *testing.T) {
			expected := ""
			if v.ExpectedAddress != nil {
				expected = *v.ExpectedAddress
			}
			req := mustB64(t, v.RequestB64)
			var got *Verdict
			if v.Kind == "response" {
				got, err = VerifyResponse(req, mustB64(t, v.ResponseB64), v.Headers, expected)
				// The same through net/http's header type.
				header := http.Header{}
				for k, val := range v.Headers {
					header.Add(k, val)
				}
				if viaHeader, err2 := VerifyResponseHeader(req, mustB64(t, v.ResponseB64), header, expected); err == nil &&
					(err2 != nil || viaHeader.JSON != got.JSON) {
					t.Errorf("VerifyResponseHeader differs: %v", err2)
				}
			} else {
				stream := mustB64(t, v.StreamB64)
				got, err = VerifyStream(req, stream, expected)
				if err == nil {
					sv, err2 := NewStreamVerifier(req, expected)
					if err2 != nil {
						t.Fatal(err2)
					}
					var delivered []byte
					for i := 0; i < len(stream); i += 7 {
						end := min(i+7, len(stream))
						out, err := sv.Update(stream[i:end])
						if err != nil {
							t.Fatal(err)
						}
						delivered = append(delivered, out...)
					}
					chunked, err3 := sv.Finish()
					tail, err4 := sv.Tail()
					sv.Close()
					if err3 != nil || chunked.JSON != got.JSON {
						t.Errorf("chunked verdict differs: %v", err3)
					}
					delivered = append(delivered, tail...)
					if err4 != nil || !bytes.Equal(delivered, mustB64(t, v.Expect.DeliveredB64)) {
						t.Errorf("delivered bytes differ (%v): %q", err4, delivered)
					}
					// The same through the io.Writer form, fed by io.Copy.
					var out bytes.Buffer
					w, err5 := NewVerifyingWriter(req, expected, &out)
					if err5 != nil {
						t.Fatal(err5)
					}
					if _, err := w.Verdict(); !errors.Is(err, ErrInvalidState) {
						t.Errorf("verdict before Close: %v", err)
					}
					if _, err := io.Copy(w, iotest.OneByteReader(bytes.NewReader(stream))); err != nil {
						t.Fatal(err)
					}
					if err := w.Close(); err != nil {
						t.Fatal(err)
					}
					if wv, err := w.Verdict(); err != nil || wv.JSON != got.JSON ||
						!bytes.Equal(out.Bytes(), mustB64(t, v.Expect.DeliveredB64)) {
						t.Errorf("VerifyingWriter differs: %v %q", err, out.Bytes())
					}
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Verified != v.Expect.Verified {
				t.Errorf("verified = %v", got.Verified)
			}
			want := ""
			if v.Expect.Signer != nil {
				want = *v.Expect.Signer
			}
			if got.Signer != want {
				t.Errorf("signer = %q, want %q", got.Signer, want)
			}
			if len(got.Checks) != len(v.Expect.Checks) {
				t.Errorf("%d checks, want %d", len(got.Checks), len(v.Expect.Checks))
			}
			for _, c := range got.Checks {
				if v.Expect.Checks[c.ID] != c.Status {
					t.Errorf("%s = %s (%s), want %s", c.ID, c.Status, c.Detail, v.Expect.Checks[c.ID])
				}
			}
			for name, want := range map[string]*string{"request_hash": v.Expect.RequestHash, "response_hash": v.Expect.ResponseHash} {
				got, ok := got.Facts[name]
				if (want == nil) == ok || (want != nil && *want != got) {
					t.Errorf("%s = %q", name, got)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	_, err := VerifyStream([]byte("{}"), nil, "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23")
	if !errors.Is(err, ErrInvalidAddress) {
		t.Fatalf("want invalid_address, got %v", err)
	}
	if !strings.Contains(err.Error(), "checksum") {
		t.Errorf("message lacks the reason: %v", err)
	}
	if n, err := NormalizeNonce("0xABCD"); err != nil || !strings.HasPrefix(n, "abcd0000") {
		t.Errorf("normalize: %q %v", n, err)
	}
	if _, err := NormalizeNonce(""); err == nil || err.(*Error).Code != "invalid_nonce" {
		t.Errorf("empty nonce: %v", err)
	}
}

func TestEthAddressVectors(t *testing.T) {
	raw, err := os.ReadFile(vectors("eth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Addresses []struct {
			Input string `json:"input"`
			Valid bool   `json:"valid"`
		} `json:"addresses"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Addresses) < 10 {
		t.Fatalf("found %d address cases", len(doc.Addresses))
	}
	for _, c := range doc.Addresses {
		if c.Input == "" {
			continue // "" means "no expected address" in this wrapper
		}
		_, err := VerifyStream(nil, nil, c.Input)
		if c.Valid != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidAddress)) {
			t.Errorf("%q: valid=%v, err=%v", c.Input, c.Valid, err)
		}
	}
}

type gpuCase struct {
	Name   string          `json:"name"`
	At     string          `json:"at"`
	GPU    string          `json:"gpu"`
	Nonce  string          `json:"nonce"`
	Policy json.RawMessage `json:"policy"`
	RIMDir *string         `json:"rim_dir"`
	Expect struct {
		Verified bool `json:"verified"`
		Checks   []struct {
			ID      string  `json:"id"`
			Subject *string `json:"subject"`
			Status  string  `json:"status"`
		} `json:"checks"`
	} `json:"expect"`
}

// policyKeys splits a case's policy object into its keys.
func policyKeys(t *testing.T, name string, policy json.RawMessage) map[string]json.RawMessage {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(policy, &keys); err != nil {
		t.Fatalf("%s: policy %s: %v", name, policy, err)
	}
	return keys
}

func gpuCases(t *testing.T) []gpuCase {
	raw, err := os.ReadFile(vectors("gpu", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []gpuCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 30 {
		t.Fatalf("expected the full GPU case set, found %d", len(doc.Cases))
	}
	return doc.Cases
}

// caseOptions builds a case's options as core/tests/gpu_vectors.rs does: its policy object
// (every key must map to a GPUOptions field), plus at and rim_dir relative to the vector dir.
func caseOptions(t *testing.T, c gpuCase) *GPUOptions {
	var o GPUOptions
	for key, value := range policyKeys(t, c.Name, c.Policy) {
		var err error
		p := &o.GPUPolicy
		switch key {
		case "expected_arch":
			err = json.Unmarshal(value, &p.ExpectedArch)
		case "expected_count":
			err = json.Unmarshal(value, &p.ExpectedCount)
		case "require_revocation":
			err = json.Unmarshal(value, &p.RequireRevocation)
		case "require_rims":
			err = json.Unmarshal(value, &p.RequireRIMs)
		case "allow_expired_rims":
			err = json.Unmarshal(value, &p.AllowExpiredRIMs)
		case "allow_hold_for_rims":
			err = json.Unmarshal(value, &p.AllowHoldForRIMs)
		default:
			t.Fatalf("%s: unknown policy key %s", c.Name, key)
		}
		if err != nil {
			t.Fatalf("%s: %s: %v", c.Name, key, err)
		}
	}
	at, err := time.Parse(time.RFC3339, c.At)
	if err != nil {
		t.Fatal(err)
	}
	o.At = at
	if c.RIMDir != nil {
		o.RIMDir = vectors("gpu", *c.RIMDir)
	}
	return &o
}

func TestGPUVectors(t *testing.T) {
	for _, c := range gpuCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			got, err := VerifyGPU([]byte(c.GPU), c.Nonce, caseOptions(t, c))
			if err != nil {
				t.Fatal(err)
			}
			if got.Verified != c.Expect.Verified {
				t.Errorf("verified = %v: %s", got.Verified, got.JSON)
			}
			for _, want := range c.Expect.Checks {
				subject := ""
				if want.Subject != nil {
					subject = *want.Subject
				}
				i := slices.IndexFunc(got.Checks, func(g Check) bool { return g.ID == want.ID && g.Subject == subject })
				if i < 0 {
					t.Errorf("no check %s for %q", want.ID, subject)
				} else if got.Checks[i].Status != want.Status {
					t.Errorf("%s %q = %s (%s), want %s", want.ID, subject, got.Checks[i].Status, got.Checks[i].Detail, want.Status)
				}
			}
		})
	}
}

func TestGPUArguments(t *testing.T) {
	c := gpuCases(t)[0]
	gpu := []byte(c.GPU)
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	base, err := VerifyGPU(gpu, c.Nonce, &GPUOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	if base.Verified || base.Facts["gpu.count"] != "1" || base.Signer != "" {
		t.Errorf("sample without RIMs: %s", base.JSON)
	}
	// The same instant in another zone, and the nonce as the agent would normalise it.
	other, err := VerifyGPU(gpu, "0x"+strings.ToUpper(c.Nonce), &GPUOptions{At: at.In(time.FixedZone("X", -7*3600))})
	if err != nil || other.JSON != base.JSON {
		t.Errorf("same instant and nonce differ: %v", err)
	}
	one, no := 1, false
	relaxed, err := VerifyGPU(gpu, c.Nonce, &GPUOptions{At: at, GPUPolicy: GPUPolicy{ExpectedCount: &one, RequireRevocation: &no, RequireRIMs: &no}})
	if err != nil || !relaxed.Verified {
		t.Errorf("relaxed policy: %v %v", err, relaxed)
	}
	// nil options and the zero value are the defaults at the system clock.
	a, err1 := VerifyGPU(gpu, c.Nonce, nil)
	b, err2 := VerifyGPU(gpu, c.Nonce, &GPUOptions{})
	if err1 != nil || err2 != nil || a.Verified || len(a.Checks) != len(b.Checks) {
		t.Errorf("defaults: %v %v", err1, err2)
	}
	for _, nonce := range []string{"", "zz", "0x0000", "ab\x00cd"} {
		_, err := VerifyGPU(gpu, nonce, nil)
		want := ErrInvalidNonce
		if strings.ContainsRune(nonce, 0) {
			want = ErrInvalidArgument
		}
		if !errors.Is(err, want) {
			t.Errorf("nonce %q: %v", nonce, err)
		}
	}
	for _, o := range []*GPUOptions{{RIMDir: "no-such-dir"}, {OCSPDir: "no-such-dir"}} {
		if _, err := VerifyGPU(gpu, c.Nonce, o); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if v, err := VerifyGPU(nil, c.Nonce, nil); err != nil || v.Verified {
		t.Errorf("empty evidence: %v", err)
	}
}

type tdxCase struct {
	Name               string          `json:"name"`
	At                 string          `json:"at"`
	Quote              string          `json:"quote"`
	Collateral         string          `json:"collateral"`
	Trust              string          `json:"trust"`
	TrustFile          string          `json:"trust_file"`
	Policy             json.RawMessage `json:"policy"`
	ExpectedReportData *struct {
		Nonce      *string `json:"nonce"`
		ReportData *string `json:"report_data"`
	} `json:"expected_report_data"`
	Expect struct {
		Verified bool `json:"verified"`
		Checks   []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"checks"`
	} `json:"expect"`
}

func tdxCases(t *testing.T) []tdxCase {
	raw, err := os.ReadFile(vectors("tdx", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []tdxCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// The same floor as core/tests/tdx_vectors.rs.
	if len(doc.Cases) < 20 {
		t.Fatalf("expected the full TDX case set, found %d", len(doc.Cases))
	}
	return doc.Cases
}

func tdxCollateral(t *testing.T, c tdxCase) []byte {
	b, err := os.ReadFile(vectors("tdx", c.Collateral))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tdxCaseOptions builds a case's options as core/tests/tdx_vectors.rs runs it: its policy object
// (every key must map to a TDXOptions field), at, the trust option (trust, or trust_file as a
// path) and the expected nonce or report data.
func tdxCaseOptions(t *testing.T, c tdxCase) *TDXOptions {
	var o TDXOptions
	p := &o.TDXPolicy
	lists := map[string]*[]string{
		"accepted_tcb_statuses": &p.AcceptedTCBStatuses, "rejected_advisories": &p.RejectedAdvisories,
		"mrtd": &p.MRTD, "rtmr0": &p.RTMR0, "rtmr1": &p.RTMR1, "rtmr2": &p.RTMR2, "rtmr3": &p.RTMR3,
		"mrseam": &p.MRSEAM, "xfam": &p.XFAM, "mrconfigid": &p.MRCONFIGID, "mrowner": &p.MROWNER,
		"mrownerconfig": &p.MROWNERCONFIG, "mrsignerseam": &p.MRSIGNERSEAM,
		"seam_attributes": &p.SEAMAttributes, "fmspc": &p.FMSPC,
	}
	for key, value := range policyKeys(t, c.Name, c.Policy) {
		var err error
		switch list, ok := lists[key]; {
		case ok:
			err = json.Unmarshal(value, list)
		case key == "allow_debug":
			err = json.Unmarshal(value, &p.AllowDebug)
		case key == "td_attributes":
			err = json.Unmarshal(value, &p.TDAttributes)
		case key == "max_collateral_age_secs":
			var secs int64
			err = json.Unmarshal(value, &secs)
			p.MaxCollateralAge = time.Duration(secs) * time.Second
		case key == "min_tcb_eval_data_number":
			err = json.Unmarshal(value, &p.MinTCBEvalDataNumber)
		case key == "min_tee_tcb_svn":
			err = json.Unmarshal(value, &p.MinTEETCBSVN)
		case key == "qe_vendor_id":
			err = json.Unmarshal(value, &p.QEVendorID)
		case key == "require_sept_ve_disable":
			err = json.Unmarshal(value, &p.RequireSEPTVEDisable)
		default:
			t.Fatalf("%s: unknown policy key %s", c.Name, key)
		}
		if err != nil {
			t.Fatalf("%s: %s: %v", c.Name, key, err)
		}
	}
	at, err := time.Parse(time.RFC3339, c.At)
	if err != nil {
		t.Fatal(err)
	}
	o.At = at
	switch {
	case c.Trust != "":
		o.Trust = Trust(c.Trust)
	case c.TrustFile != "":
		o.Trust = TrustAnchorFile(vectors("tdx", c.TrustFile))
	}
	if e := c.ExpectedReportData; e != nil {
		switch {
		case e.Nonce != nil:
			o.Nonce = *e.Nonce
		case e.ReportData != nil:
			o.ReportData = *e.ReportData
		default:
			t.Fatalf("%s: bad expected_report_data", c.Name)
		}
	}
	return &o
}

func checkStatus(v *Verdict, id string) string {
	i := slices.IndexFunc(v.Checks, func(c Check) bool { return c.ID == id })
	if i < 0 {
		return "(none)"
	}
	return v.Checks[i].Status
}

func TestTDXVectors(t *testing.T) {
	for _, c := range tdxCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			got, err := VerifyTDX([]byte(c.Quote), tdxCollateral(t, c), tdxCaseOptions(t, c))
			if err != nil {
				t.Fatal(err)
			}
			if got.Verified != c.Expect.Verified {
				t.Errorf("verified = %v: %s", got.Verified, got.JSON)
			}
			for _, want := range c.Expect.Checks {
				i := slices.IndexFunc(got.Checks, func(g Check) bool { return g.ID == want.ID })
				if i < 0 {
					t.Errorf("no check %s", want.ID)
				} else if got.Checks[i].Status != want.Status {
					t.Errorf("%s = %s (%s), want %s", want.ID, got.Checks[i].Status, got.Checks[i].Detail, want.Status)
				}
			}
		})
	}
}

func TestTDXArguments(t *testing.T) {
	c := tdxCases(t)[0]
	if c.Name != "v4_uptodate" {
		t.Fatalf("first TDX case is %s", c.Name)
	}
	quote, collateral := []byte(c.Quote), tdxCollateral(t, c)
	rd := *c.ExpectedReportData.ReportData
	at := time.Date(2025, 6, 20, 6, 13, 20, 0, time.UTC)
	base, err := VerifyTDX(quote, collateral, &TDXOptions{ReportData: rd, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if !base.Verified || base.Signer != "" || base.Facts["tdx.tcb_status"] != "UpToDate" || base.Facts["tdx.report_data"] != rd {
		t.Errorf("v4 quote: %s", base.JSON)
	}
	// The same instant in another zone, the binary quote, and report data with 0x and upper case.
	binary := make([]byte, len(quote)/2)
	if _, err := hex.Decode(binary, quote); err != nil {
		t.Fatal(err)
	}
	other, err := VerifyTDX(binary, collateral, &TDXOptions{ReportData: "0x" + strings.ToUpper(rd), At: at.In(time.FixedZone("X", 5*3600))})
	if err != nil || other.JSON != base.JSON {
		t.Errorf("same instant, binary quote and report data differ: %v", err)
	}
	// Every policy field reaches the core: pinned to the quote's own values it verifies and the
	// measurements pass instead of warning.
	f := base.Facts
	eval := uint32(17)
	pinned := &TDXOptions{ReportData: rd, At: at, TDXPolicy: TDXPolicy{
		AcceptedTCBStatuses: []string{"UpToDate", "SWHardeningNeeded"}, RejectedAdvisories: []string{"INTEL-SA-00000"},
		TDAttributes: f["tdx.td_attributes"],
		MRTD:         []string{f["tdx.mrtd"]}, RTMR0: []string{f["tdx.rtmr0"]}, RTMR1: []string{f["tdx.rtmr1"]},
		RTMR2: []string{f["tdx.rtmr2"]}, RTMR3: []string{f["tdx.rtmr3"]}, MRSEAM: []string{f["tdx.mrseam"]},
		XFAM:             []string{f["tdx.xfam"]},
		MaxCollateralAge: 10 * 365 * 24 * time.Hour, MinTCBEvalDataNumber: &eval,
	}}
	if v, err := VerifyTDX(quote, collateral, pinned); err != nil || !v.Verified || checkStatus(v, "tdx.measurements") != "pass" {
		t.Errorf("pinned policy: %v %v", err, v)
	}
	// ... and each one can fail it.
	eval18 := uint32(18)
	elsewhere := strings.Repeat("11", 48)
	for name, tc := range map[string]struct {
		o  TDXOptions
		id string
	}{
		"rtmr3":       {TDXOptions{TDXPolicy: TDXPolicy{RTMR3: []string{elsewhere}}}, "tdx.measurements"},
		"mrseam":      {TDXOptions{TDXPolicy: TDXPolicy{MRSEAM: []string{elsewhere}}}, "tdx.measurements"},
		"xfam":        {TDXOptions{TDXPolicy: TDXPolicy{XFAM: []string{"1111111111111111"}}}, "tdx.measurements"},
		"attributes":  {TDXOptions{TDXPolicy: TDXPolicy{TDAttributes: "0000000000000000"}}, "tdx.td_attributes"},
		"statuses":    {TDXOptions{TDXPolicy: TDXPolicy{AcceptedTCBStatuses: []string{"OutOfDate"}}}, "tdx.tcb_status"},
		"none":        {TDXOptions{TDXPolicy: TDXPolicy{AcceptedTCBStatuses: []string{}}}, "tdx.tcb_status"},
		"eval number": {TDXOptions{TDXPolicy: TDXPolicy{MinTCBEvalDataNumber: &eval18}}, "tdx.tcb_status"},
		"age":         {TDXOptions{TDXPolicy: TDXPolicy{MaxCollateralAge: time.Hour}}, "tdx.collateral"},
		"nonce":       {TDXOptions{Nonce: rd[:64]}, "tdx.report_data"},
	} {
		o := tc.o
		if o.Nonce == "" {
			o.ReportData = rd
		}
		o.At = at
		v, err := VerifyTDX(quote, collateral, &o)
		if err != nil || v.Verified || checkStatus(v, tc.id) != "fail" {
			t.Errorf("%s: %v: %s = %s", name, err, tc.id, checkStatus(v, tc.id))
		}
	}
	// nil options and the zero value are the defaults at the system clock: nothing expected of
	// REPORTDATA, so never verified.
	a, err1 := VerifyTDX(quote, collateral, nil)
	b, err2 := VerifyTDX(quote, collateral, &TDXOptions{})
	if err1 != nil || err2 != nil || a.Verified || len(a.Checks) != len(b.Checks) || checkStatus(a, "tdx.report_data") != "skip" {
		t.Errorf("defaults: %v %v", err1, err2)
	}
	// Bad evidence is a verdict, not an error.
	if v, err := VerifyTDX(nil, nil, &TDXOptions{ReportData: rd, At: at}); err != nil || v.Verified || checkStatus(v, "tdx.quote_parse") != "fail" {
		t.Errorf("empty evidence: %v", err)
	}
	if v, err := VerifyTDX(quote, []byte("{}"), &TDXOptions{ReportData: rd, At: at}); err != nil || checkStatus(v, "tdx.collateral") != "fail" {
		t.Errorf("empty collateral object: %v", err)
	}
	// Errors.
	for _, nonce := range []string{"zz", "0x0000", "ab\x00cd"} {
		if _, err := VerifyTDX(quote, collateral, &TDXOptions{Nonce: nonce}); !errors.Is(err, ErrInvalidNonce) {
			t.Errorf("nonce %q: %v", nonce, err)
		}
	}
	for name, o := range map[string]*TDXOptions{
		"both":            {Nonce: "ab", ReportData: rd},
		"short rd":        {ReportData: "00"},
		"revoked":         {TDXPolicy: TDXPolicy{AcceptedTCBStatuses: []string{"Revoked"}}},
		"unknown status":  {TDXPolicy: TDXPolicy{AcceptedTCBStatuses: []string{"Fine"}}},
		"short mrtd":      {TDXPolicy: TDXPolicy{MRTD: []string{"00"}}},
		"not hex rtmr1":   {TDXPolicy: TDXPolicy{RTMR1: []string{strings.Repeat("zz", 48)}}},
		"long xfam":       {TDXPolicy: TDXPolicy{XFAM: []string{elsewhere}}},
		"short attribute": {TDXPolicy: TDXPolicy{TDAttributes: "00"}},
	} {
		_, err := VerifyTDX(quote, collateral, o)
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := VerifyTDX(quote, collateral, &TDXOptions{ReportData: "00"}); err == nil || !strings.Contains(err.Error(), "64 bytes") {
		t.Errorf("message lacks the reason: %v", err)
	}
}

type reportCase struct {
	Name           string          `json:"name"`
	Kind           string          `json:"kind"`
	Report         string          `json:"report"`
	Options        json.RawMessage `json:"options"`
	RIMDir         *string         `json:"rim_dir"`
	CollateralFile *string         `json:"collateral_file"`
	BundleFile     *string         `json:"bundle_file"`
	Expect         struct {
		Verified *bool             `json:"verified"`
		Error    *string           `json:"error"`
		Facts    map[string]string `json:"facts"`
		Checks   []struct {
			ID      string  `json:"id"`
			Subject *string `json:"subject"`
			Status  string  `json:"status"`
		} `json:"checks"`
	} `json:"expect"`
}

func reportPath(name string) string { return vectors("report", name) }

func reportCases(t *testing.T) []reportCase {
	raw, err := os.ReadFile(reportPath("cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []reportCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 28 {
		t.Fatalf("expected the full report case set, found %d", len(doc.Cases))
	}
	return doc.Cases
}

func findReportCase(t *testing.T, name string) reportCase {
	cases := reportCases(t)
	i := slices.IndexFunc(cases, func(c reportCase) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("no report case %s", name)
	}
	return cases[i]
}

// reportCaseOptions builds a report case's options as core/tests/report_vectors.rs does: its
// options object plus rim_dir and the TEXT of collateral_file (both relative to the vector dir).
func reportCaseOptions(t *testing.T, c reportCase) string {
	var o map[string]any
	if err := json.Unmarshal(c.Options, &o); err != nil {
		t.Fatalf("%s: options: %v", c.Name, err)
	}
	if c.RIMDir != nil {
		o["rim_dir"] = reportPath(*c.RIMDir)
	}
	if c.CollateralFile != nil {
		b, err := os.ReadFile(reportPath(*c.CollateralFile))
		if err != nil {
			t.Fatal(err)
		}
		o["collateral"] = string(b)
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func runReportCase(t *testing.T, c reportCase) (*Verdict, error) {
	switch c.Kind {
	case "report":
		return VerifyReportJSON([]byte(c.Report), reportCaseOptions(t, c))
	case "bundle":
		if c.BundleFile == nil {
			t.Fatalf("%s: no bundle_file", c.Name)
		}
		b, err := os.ReadFile(reportPath(*c.BundleFile))
		if err != nil {
			t.Fatal(err)
		}
		return VerifyBundleJSON(b, string(c.Options))
	}
	t.Fatalf("%s: unknown kind %q", c.Name, c.Kind)
	return nil, nil
}

// runReportCaseTyped runs a case through the typed options (ReportOptions, BundleOptions,
// LoadPolicy) when they can express its options; ok is false for options only JSON can carry
// (an unknown key, a value of the wrong type).
func runReportCaseTyped(t *testing.T, c reportCase) (v *Verdict, err error, ok bool) {
	var given map[string]any
	if err := json.Unmarshal(c.Options, &given); err != nil {
		t.Fatalf("%s: options: %v", c.Name, err)
	}
	text := func(value any) (string, bool) {
		switch x := value.(type) {
		case string:
			return x, true
		case map[string]any:
			b, err := json.Marshal(x)
			return string(b), err == nil
		}
		return "", false
	}
	instant := func(value any) (time.Time, bool) {
		switch x := value.(type) {
		case string:
			at, err := time.Parse(time.RFC3339, x)
			return at, err == nil
		case float64:
			return time.Unix(int64(x), 0), x == float64(int64(x))
		}
		return time.Time{}, false
	}
	// A policy as text or an object, loaded into the typed form (ok false: neither).
	policy := func(value any) (p *Policy, ok bool, err error) {
		t, ok := text(value)
		if !ok {
			return nil, false, nil
		}
		p, err = LoadPolicy(t)
		return p, true, err
	}
	switch c.Kind {
	case "report":
		var o ReportOptions
		for key, value := range given {
			if value == nil {
				continue
			}
			var good bool
			switch key {
			case "nonce":
				o.Nonce, good = value.(string)
			case "rim_dir":
				o.RIMDir, good = value.(string)
			case "ocsp_dir":
				o.OCSPDir, good = value.(string)
			case "collateral":
				var t string
				t, good = text(value)
				o.Collateral = []byte(t)
			case "at":
				o.At, good = instant(value)
			case "policy":
				if o.Policy, good, err = policy(value); err != nil {
					return nil, err, true
				}
			}
			if !good {
				return nil, nil, false
			}
		}
		if c.RIMDir != nil {
			o.RIMDir = reportPath(*c.RIMDir)
		}
		if c.CollateralFile != nil {
			b, err := os.ReadFile(reportPath(*c.CollateralFile))
			if err != nil {
				t.Fatal(err)
			}
			o.Collateral = b
		}
		v, err = VerifyReport([]byte(c.Report), &o)
		return v, err, true
	case "bundle":
		var o BundleOptions
		for key, value := range given {
			if value == nil {
				continue
			}
			var good bool
			switch {
			case key == "at" && value == "recorded":
				o.AtRecorded, good = true, true
			case key == "at":
				o.At, good = instant(value)
			case key == "policy" && value == "recorded":
				o.PolicyRecorded, good = true, true
			case key == "policy":
				if o.Policy, good, err = policy(value); err != nil {
					return nil, err, true
				}
			}
			if !good {
				return nil, nil, false
			}
		}
		b, err := os.ReadFile(reportPath(*c.BundleFile))
		if err != nil {
			t.Fatal(err)
		}
		v, err = VerifyBundle(b, &o)
		return v, err, true
	}
	return nil, nil, false
}

// The typed options give every case they can express the verdict (or error code) of the JSON
// options: one schema, two spellings.
func TestReportVectorsTypedOptions(t *testing.T) {
	typed := 0
	for _, c := range reportCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			got, err, ok := runReportCaseTyped(t, c)
			if !ok {
				t.Skip("options only JSON can carry")
			}
			typed++
			want, wantErr := runReportCase(t, c)
			var e, we *Error
			switch {
			case wantErr != nil:
				if !errors.As(err, &e) || !errors.As(wantErr, &we) || e.Code != we.Code {
					t.Fatalf("typed: %v, JSON: %v", err, wantErr)
				}
			case err != nil:
				t.Fatalf("typed: %v, JSON: %s", err, want.JSON)
			case got.JSON != want.JSON:
				t.Errorf("typed %s\nJSON  %s", got.JSON, want.JSON)
			}
		})
	}
	if typed < 20 {
		t.Errorf("only %d cases ran typed", typed)
	}
}

func TestReportVectors(t *testing.T) {
	cases := reportCases(t)
	ran := 0
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ran++
			got, err := runReportCase(t, c)
			if c.Expect.Error != nil {
				var e *Error
				if !errors.As(err, &e) || e.Code != *c.Expect.Error || got != nil {
					t.Fatalf("want error %s, got %v (%v)", *c.Expect.Error, err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Expect.Verified == nil || got.Verified != *c.Expect.Verified {
				t.Errorf("verified = %v: %s", got.Verified, got.JSON)
			}
			for _, want := range c.Expect.Checks {
				subject := ""
				if want.Subject != nil {
					subject = *want.Subject
				}
				i := slices.IndexFunc(got.Checks, func(g Check) bool { return g.ID == want.ID && g.Subject == subject })
				if i < 0 {
					t.Errorf("no check %s for %q", want.ID, subject)
				} else if got.Checks[i].Status != want.Status {
					t.Errorf("%s %q = %s (%s), want %s", want.ID, subject, got.Checks[i].Status, got.Checks[i].Detail, want.Status)
				}
			}
			for name, want := range c.Expect.Facts {
				if got.Facts[name] != want {
					t.Errorf("fact %s = %q, want %q", name, got.Facts[name], want)
				}
			}
			if got.Facts["summary"] == "" {
				t.Errorf("no summary fact: %s", got.JSON)
			}
		})
	}
	if ran != len(cases) || ran < 28 {
		t.Fatalf("ran %d of %d report cases", ran, len(cases))
	}
}

func TestReportArguments(t *testing.T) {
	c := findReportCase(t, "real_evidence_report_nonce")
	report := []byte(c.Report)
	base, err := VerifyReportJSON(report, reportCaseOptions(t, c))
	if err != nil {
		t.Fatal(err)
	}
	const signer = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
	s := base.Facts["summary"]
	if base.Verified || base.Signer != signer || base.Facts["signing_address"] != signer ||
		!strings.HasPrefix(s, "NOT VERIFIED: ") || !strings.Contains(s, "io.net does not bind it") {
		t.Errorf("real evidence: signer %q, summary %q", base.Signer, s)
	}
	// Other forms of the same inputs: at as Unix seconds, collateral as an object, nonce with 0x
	// and in upper case.
	collateral, err := os.ReadFile(reportPath(*c.CollateralFile))
	if err != nil {
		t.Fatal(err)
	}
	other := `{"nonce":"0x931D8DD0ADD203AC3D8B4FBDE75E115278EEFCDCEAC5B87671A748F32364DFCB","at":1750400000,"collateral":` + string(collateral) + `}`
	if v, err := VerifyReportJSON(report, other); err != nil || v.JSON != base.JSON {
		t.Errorf("other option forms differ: %v", err)
	}
	// The policy as a preset, as its canonical JSON (text and object) and as TOML.
	strict, err := NormalizePolicy("strict")
	if err != nil {
		t.Fatal(err)
	}
	withPolicy := func(policy string) string {
		var o map[string]any
		if err := json.Unmarshal([]byte(reportCaseOptions(t, c)), &o); err != nil {
			t.Fatal(err)
		}
		o["policy"] = json.RawMessage(policy)
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	quoted, _ := json.Marshal(strict)
	first, err := VerifyReportJSON(report, withPolicy(`"strict"`))
	if err != nil || checkStatus(first, "report.key_binding") != "fail" {
		t.Fatalf("strict: %v", err)
	}
	for _, p := range []string{string(quoted), strict, `"preset = \"strict\"\n"`} {
		if v, err := VerifyReportJSON(report, withPolicy(p)); err != nil || v.JSON != first.JSON {
			t.Errorf("policy %s: %v", p, err)
		}
	}
	// Empty evidence is a verdict, not an error.
	if v, err := VerifyReportJSON(nil, `{"nonce":"01"}`); err != nil || v.Verified || checkStatus(v, "report.format") != "fail" || v.Signer != "" {
		t.Errorf("empty evidence: %v", err)
	}
	// Errors.
	for opts, want := range map[string]error{
		"":                                       ErrInvalidArgument,
		"{}":                                     ErrInvalidArgument,
		`{"nonce":""}`:                           ErrInvalidNonce,
		`{"nonce":"0x0000"}`:                     ErrInvalidNonce,
		`{"nonce":"01","policy":"stricter"}`:     ErrInvalidArgument,
		`{"nonce":"01","at":"yesterday"}`:        ErrInvalidArgument,
		`{"nonce":"01","rim_dir":"no-such-dir"}`: ErrInvalidArgument,
		`{"nonce":"01","polcy":"strict"}`:        ErrInvalidArgument,
		"{\"nonce\":\"01\"}\x00":                 ErrInvalidArgument,
		`{"nonce":"01","policy":{"gpu":{"x":1}}}`: ErrInvalidArgument,
	} {
		if _, err := VerifyReportJSON(report, opts); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", opts, err, want)
		}
	}
	if _, err := VerifyReportJSON(report, "{}"); err == nil || !strings.Contains(err.Error(), "nonce is required") {
		t.Errorf("message lacks the reason: %v", err)
	}
}

func TestBundleArguments(t *testing.T) {
	bundle, err := os.ReadFile(reportPath("bundle-real.json"))
	if err != nil {
		t.Fatal(err)
	}
	base, err := VerifyBundleJSON(bundle, `{"at":1750400000}`)
	if err != nil {
		t.Fatal(err)
	}
	if base.Facts["bundle.at"] != "2025-06-20T06:13:20Z" || base.Facts["summary"] == "" || base.Signer != "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23" {
		t.Errorf("bundle: %s", base.JSON)
	}
	if v, err := VerifyBundleJSON(bundle, `{"at":"2025-06-20T06:13:20Z","policy":"default"}`); err != nil || v.JSON != base.JSON {
		t.Errorf("the same options in other forms differ: %v", err)
	}
	// No options: now, under the default preset — never the bundle's own time or policy.
	if v, err := VerifyBundleJSON(bundle, ""); err != nil || v.Facts["bundle.time_source"] != "clock" ||
		v.Facts["policy.source"] != "caller" || checkStatus(v, "bundle.inputs") != "pass" {
		t.Errorf("defaults: %v", err)
	}
	if v, err := VerifyBundleJSON(bundle, `{"at":"recorded","policy":"recorded"}`); err != nil ||
		checkStatus(v, "bundle.inputs") != "warn" || v.Facts["bundle.at"] != "2025-06-20T06:13:20Z" {
		t.Errorf("recorded: %v", err)
	}
	for name, tc := range map[string]struct {
		bundle []byte
		opts   string
	}{
		"not json":       {[]byte("not json"), ""},
		"empty object":   {[]byte("{}"), ""},
		"empty":          {nil, ""},
		"other format":   {[]byte(`{"format":"ccverify-bundle/0"}`), ""},
		"unknown preset": {bundle, `{"policy":"lenient"}`},
		"unknown option": {bundle, `{"att":0}`},
		"not an object":  {bundle, "[]"},
		"NUL":            {bundle, "{}\x00"},
	} {
		if _, err := VerifyBundleJSON(tc.bundle, tc.opts); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestTypedPolicyAndOptions(t *testing.T) {
	c := findReportCase(t, "real_evidence_report_nonce")
	report := []byte(c.Report)
	collateral, err := os.ReadFile(reportPath(*c.CollateralFile))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 6, 20, 6, 13, 20, 0, time.UTC)
	options := &ReportOptions{Nonce: "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb", Collateral: collateral, At: at}
	base, err := VerifyReport(report, options)
	if err != nil {
		t.Fatal(err)
	}
	want, err := VerifyReportJSON(report, reportCaseOptions(t, c))
	if err != nil || base.JSON != want.JSON {
		t.Fatalf("typed and JSON options differ: %v", err)
	}
	// LoadPolicy gives every field; the loaded policy applies exactly like the preset's name.
	strict, err := LoadPolicy("strict")
	if err != nil || strict.Preset != "strict" || !*strict.RequireKeyBinding || !*strict.GPU.RequireRevocation ||
		strict.TDX.AcceptedTCBStatuses[0] != "UpToDate" {
		t.Fatalf("strict: %+v %v", strict, err)
	}
	byName, err := VerifyReport(report, &ReportOptions{Nonce: options.Nonce, Collateral: collateral, At: at, Policy: &Policy{Preset: "strict"}})
	if err != nil || checkStatus(byName, "report.key_binding") != "fail" {
		t.Fatalf("strict by name: %v", err)
	}
	loaded := *options
	loaded.Policy = strict
	if v, err := VerifyReport(report, &loaded); err != nil || v.JSON != byName.JSON {
		t.Errorf("the loaded strict policy differs from its name: %v", err)
	}
	// A field set overrides the preset; Ptr spells optional values.
	relaxed := *options
	relaxed.Policy = &Policy{Preset: "strict", RequireKeyBinding: Ptr(false), GPU: &GPUPolicy{ExpectedCount: Ptr(1)},
		TDX: &TDXPolicy{MaxCollateralAge: 24 * time.Hour}}
	v, err := VerifyReport(report, &relaxed)
	if err != nil || checkStatus(v, "report.key_binding") != "warn" || checkStatus(v, "gpu.count") != "pass" {
		t.Errorf("relaxed strict: %v %v", err, v)
	}
	if p, err := LoadPolicy("[tdx]\nmax_collateral_age_secs = 86400\nmrtd = [\"0x" + strings.Repeat("AB", 48) + "\"]\n"); err != nil ||
		p.TDX.MaxCollateralAge != 24*time.Hour || p.TDX.MRTD[0] != strings.Repeat("ab", 48) {
		t.Errorf("TOML policy: %+v %v", p, err)
	}
	// Refusals: a policy the core refuses, a missing nonce, exclusive bundle options.
	for name, o := range map[string]*ReportOptions{
		"no options":     nil,
		"unknown preset": {Nonce: options.Nonce, Policy: &Policy{Preset: "lenient"}},
		"bad digest":     {Nonce: options.Nonce, Policy: &Policy{ImageDigests: []string{"sha256:XYZ"}}},
		"negative count": {Nonce: options.Nonce, Policy: &Policy{GPU: &GPUPolicy{ExpectedCount: Ptr(-1)}}},
		"short mrtd":     {Nonce: options.Nonce, Policy: &Policy{TDX: &TDXPolicy{MRTD: []string{"00"}}}},
	} {
		if _, err := VerifyReport(report, o); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LoadPolicy("lenient"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("LoadPolicy(lenient): %v", err)
	}
	bundle, err := os.ReadFile(reportPath("bundle-real.json"))
	if err != nil {
		t.Fatal(err)
	}
	own, err := VerifyBundle(bundle, &BundleOptions{At: at})
	if err != nil || own.Facts["bundle.at"] != "2025-06-20T06:13:20Z" {
		t.Fatalf("bundle at: %v", err)
	}
	if v, err := VerifyBundle(bundle, &BundleOptions{AtRecorded: true, PolicyRecorded: true}); err != nil ||
		checkStatus(v, "bundle.inputs") != "warn" || v.JSON != own.JSON && v.Facts["bundle.at"] != own.Facts["bundle.at"] {
		t.Errorf("recorded: %v", err)
	}
	for _, o := range []*BundleOptions{{At: at, AtRecorded: true}, {Policy: &Policy{}, PolicyRecorded: true}} {
		if _, err := VerifyBundle(bundle, o); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if v, err := VerifyBundle(bundle, nil); err != nil || v.Facts["bundle.time_source"] != "clock" {
		t.Errorf("nil bundle options: %v", err)
	}
}

func TestNormalizePolicy(t *testing.T) {
	strict, err := NormalizePolicy("strict")
	if err != nil || !strings.Contains(strict, `"require_key_binding":true`) {
		t.Fatalf("strict: %q %v", strict, err)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(strict), &obj); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, text := range []string{strict, " strict\n", `preset = "strict"`, `{"preset":"strict"}`,
		"require_image_digest = true\nrequire_key_binding = true\npreset = \"strict\""} {
		if got, err := NormalizePolicy(text); err != nil || got != strict {
			t.Errorf("%q: %q %v", text, got, err)
		}
	}
	def, err1 := NormalizePolicy("default")
	empty, err2 := NormalizePolicy("{}")
	offline, err3 := NormalizePolicy("offline")
	if err1 != nil || err2 != nil || err3 != nil || def != empty || def == strict || def == offline {
		t.Errorf("presets: %v %v %v", err1, err2, err3)
	}
	for _, text := range []string{"lenient", `{"bogus":true}`, `image_digests = ["sha256:00"]`, `{"offline":"yes"}`, "[]", "strict\x00"} {
		if _, err := NormalizePolicy(text); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%q: %v", text, err)
		}
	}
	if _, err := NormalizePolicy(`{"bogus":true}`); err == nil || !strings.Contains(err.Error(), "unknown key") {
		t.Errorf("message lacks the reason: %v", err)
	}
}

func TestStatusNames(t *testing.T) {
	for code, name := range map[uint32]string{
		0: "ok", 1: "invalid_argument", 2: "invalid_nonce", 3: "invalid_address", 4: "invalid_signature",
		5: "limit_exceeded", 6: "invalid_state", 7: "rng", 8: "network", 9: "attestation_failed", 10: "unverified_response",
		11: "cancelled", 99: "internal", 12: "unknown", 98: "unknown",
	} {
		if got := StatusName(code); got != name {
			t.Errorf("status %d = %q, want %q", code, got, name)
		}
	}
	for _, sentinel := range []error{ErrNetwork, ErrAttestationFailed, ErrLimitExceeded} {
		if !errors.Is(&Error{Code: sentinel.Error()}, sentinel) {
			t.Errorf("%v does not match its code", sentinel)
		}
	}
}

func TestRequestStreams(t *testing.T) {
	for body, want := range map[string]bool{
		`{"messages":[],"stream":true}`:   true,
		`{"messages":[],"stream":1}`:      true,
		`{"messages":[],"stream":"true"}`: true,
		`{"messages":[]}`:                 false,
		`{"messages":[],"stream":false}`:  false,
		`not json`:                        false,
		``:                                false,
	} {
		if got := RequestStreams([]byte(body)); got != want {
			t.Errorf("%q: %v, want %v", body, got, want)
		}
	}
}

// TestOptionsVectors runs every case of tests/vectors/options/cases.json through the JSON
// entry points: the shared error code, or a verdict when the options are accepted.
func TestOptionsVectors(t *testing.T) {
	raw, err := os.ReadFile(vectors("options", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		GPUNonce string `json:"gpu_nonce"`
		Cases    []struct {
			Name    string          `json:"name"`
			Schema  string          `json:"schema"`
			Options json.RawMessage `json:"options"`
			Error   *string         `json:"error"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	bundle, err := os.ReadFile(reportPath("bundle-real.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 50 {
		t.Fatalf("only %d options cases", len(doc.Cases))
	}
	for _, c := range doc.Cases {
		t.Run(c.Name, func(t *testing.T) {
			opts := string(c.Options)
			var err error
			switch c.Schema {
			case "gpu":
				_, err = VerifyGPUJSON([]byte("{}"), doc.GPUNonce, opts)
			case "tdx":
				_, err = VerifyTDXJSON([]byte("00"), []byte("{}"), opts)
			case "report":
				_, err = VerifyReportJSON([]byte("{}"), opts)
			case "bundle":
				_, err = VerifyBundleJSON(bundle, opts)
			case "policy":
				_, err = NormalizePolicy(opts)
			default:
				t.Fatalf("unknown schema %s", c.Schema)
			}
			if c.Error == nil {
				if err != nil {
					t.Fatalf("want a verdict, got %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != *c.Error {
				t.Fatalf("want error %s, got %v", *c.Error, err)
			}
		})
	}
}

func TestVerifyResponseHeaderSeesRepeatedFields(t *testing.T) {
	dir := repoPath("examples", "exchanges", "01-n1_plain")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var headers map[string]string
	if err := json.Unmarshal(read("headers.json"), &headers); err != nil {
		t.Fatal(err)
	}
	expected := strings.TrimSpace(string(read("expected_address.txt")))
	header := http.Header{}
	for k, v := range headers {
		header.Add(k, v)
	}
	v, err := VerifyResponseHeader(read("request.json"), read("response.json"), header, expected)
	if err != nil || !v.Verified {
		t.Fatalf("the genuine exchange: %v %s", err, v.JSON)
	}
	// A relay's second, different signature value: the map form would keep only one of them.
	header.Add("Signature", "0x"+strings.Repeat("ab", 65))
	v, err = VerifyResponseHeader(read("request.json"), read("response.json"), header, expected)
	if err != nil || v.Verified || !strings.Contains(v.JSON, "appears twice") {
		t.Fatalf("a repeated signature must not verify: %v %s", err, v.JSON)
	}
}

func TestTrustAnchorFileIsAlwaysAFile(t *testing.T) {
	c := tdxCases(t)[0]
	for _, name := range []string{"", "test", "production", "/nonexistent/roots.pem"} {
		trust := TrustAnchorFile(name)
		if trust == TrustTest || trust == TrustProduction || trust == "" {
			t.Fatalf("TrustAnchorFile(%q) = %q, a root set rather than a file", name, trust)
		}
		_, err := VerifyTDX([]byte(c.Quote), tdxCollateral(t, c), &TDXOptions{Trust: trust})
		var e *Error
		if !errors.As(err, &e) || e.Code != "invalid_argument" || !strings.Contains(e.Message, "trust anchor file") {
			t.Fatalf("TrustAnchorFile(%q): %v", name, err)
		}
	}
}
