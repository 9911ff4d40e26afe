package ccverify

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
