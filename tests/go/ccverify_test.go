package ccverify

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
	files, _ := filepath.Glob("../vectors/exchange/*.json")
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
			} else {
				stream := mustB64(t, v.StreamB64)
				got, err = VerifyStream(req, stream, expected)
				if err == nil {
					sv, err2 := NewStreamVerifier(req, expected)
					if err2 != nil {
						t.Fatal(err2)
					}
					for i := 0; i < len(stream); i += 7 {
						end := min(i+7, len(stream))
						if err := sv.Update(stream[i:end]); err != nil {
							t.Fatal(err)
						}
					}
					chunked, err3 := sv.Finish()
					sv.Close()
					if err3 != nil || chunked.JSON != got.JSON {
						t.Errorf("chunked verdict differs: %v", err3)
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
	raw, err := os.ReadFile("../vectors/eth.json")
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

func gpuCases(t *testing.T) []gpuCase {
	raw, err := os.ReadFile("../vectors/gpu/cases.json")
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
	dec := json.NewDecoder(bytes.NewReader(c.Policy))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("%s: policy %s: %v", c.Name, c.Policy, err)
	}
	at, err := time.Parse(time.RFC3339, c.At)
	if err != nil {
		t.Fatal(err)
	}
	o.At = at
	if c.RIMDir != nil {
		o.RIMDir = filepath.Join("..", "vectors", "gpu", *c.RIMDir)
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
	relaxed, err := VerifyGPU(gpu, c.Nonce, &GPUOptions{At: at, ExpectedCount: &one, RequireRevocation: &no, RequireRIMs: &no})
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
	raw, err := os.ReadFile("../vectors/tdx/cases.json")
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
	b, err := os.ReadFile(filepath.Join("..", "vectors", "tdx", c.Collateral))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tdxCaseOptions builds a case's options as core/tests/tdx_vectors.rs runs it: its policy object
// (every key must map to a TDXOptions field), at, and the expected nonce or report data.
func tdxCaseOptions(t *testing.T, c tdxCase) *TDXOptions {
	var o TDXOptions
	dec := json.NewDecoder(bytes.NewReader(c.Policy))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("%s: policy %s: %v", c.Name, c.Policy, err)
	}
	at, err := time.Parse(time.RFC3339, c.At)
	if err != nil {
		t.Fatal(err)
	}
	o.At = at
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
	age, eval := uint64(10*365*24*3600), uint32(17)
	pinned := &TDXOptions{
		ReportData: rd, At: at,
		AcceptedTCBStatuses: []string{"UpToDate", "SWHardeningNeeded"}, RejectedAdvisories: []string{"INTEL-SA-00000"},
		TDAttributes: f["tdx.td_attributes"],
		MRTD:         []string{f["tdx.mrtd"]}, RTMR0: []string{f["tdx.rtmr0"]}, RTMR1: []string{f["tdx.rtmr1"]},
		RTMR2: []string{f["tdx.rtmr2"]}, RTMR3: []string{f["tdx.rtmr3"]}, MRSEAM: []string{f["tdx.mrseam"]},
		XFAM:                 []string{f["tdx.xfam"]},
		MaxCollateralAgeSecs: &age, MinTCBEvalDataNumber: &eval,
	}
	if v, err := VerifyTDX(quote, collateral, pinned); err != nil || !v.Verified || checkStatus(v, "tdx.measurements") != "pass" {
		t.Errorf("pinned policy: %v %v", err, v)
	}
	// ... and each one can fail it.
	eval18, young := uint32(18), uint64(3600)
	elsewhere := strings.Repeat("11", 48)
	for name, tc := range map[string]struct {
		o  TDXOptions
		id string
	}{
		"rtmr3":       {TDXOptions{RTMR3: []string{elsewhere}}, "tdx.measurements"},
		"mrseam":      {TDXOptions{MRSEAM: []string{elsewhere}}, "tdx.measurements"},
		"xfam":        {TDXOptions{XFAM: []string{"1111111111111111"}}, "tdx.measurements"},
		"attributes":  {TDXOptions{TDAttributes: "0000000000000000"}, "tdx.td_attributes"},
		"statuses":    {TDXOptions{AcceptedTCBStatuses: []string{"OutOfDate"}}, "tdx.tcb_status"},
		"none":        {TDXOptions{AcceptedTCBStatuses: []string{}}, "tdx.tcb_status"},
		"eval number": {TDXOptions{MinTCBEvalDataNumber: &eval18}, "tdx.tcb_status"},
		"age":         {TDXOptions{MaxCollateralAgeSecs: &young}, "tdx.collateral"},
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
		"revoked":         {AcceptedTCBStatuses: []string{"Revoked"}},
		"unknown status":  {AcceptedTCBStatuses: []string{"Fine"}},
		"short mrtd":      {MRTD: []string{"00"}},
		"not hex rtmr1":   {RTMR1: []string{strings.Repeat("zz", 48)}},
		"long xfam":       {XFAM: []string{elsewhere}},
		"short attribute": {TDAttributes: "00"},
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
