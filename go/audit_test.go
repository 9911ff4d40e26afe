package ccverify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// TestAuditVectors runs the shared audit vectors (tests/vectors/audit): every exchange gets the
// verdict the generator expects, under the policy that lets the bundle verify and under the
// default one that does not, and the bad lines are reported by number.
func TestAuditVectors(t *testing.T) {
	var expected struct {
		At        string `json:"at"`
		Policy    string `json:"policy"`
		BadLines  []int  `json:"bad_lines"`
		Exchanges map[string]map[string]struct {
			Verified bool     `json:"verified"`
			Failed   []string `json:"failed"`
		} `json:"exchanges"`
	}
	raw, err := os.ReadFile(vectors("audit", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(vectors("audit", "exchanges.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	policyText, err := os.ReadFile(vectors("audit", expected.Policy))
	if err != nil {
		t.Fatal(err)
	}
	policy, err := LoadPolicy(string(policyText))
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse(time.RFC3339, expected.At)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs(vectors("audit"))
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]*AuditOptions{
		"test_policy":    {Bundles: BundleOptions{At: at, Policy: policy}, BundleDir: dir},
		"default_policy": {Bundles: BundleOptions{At: at}, BundleDir: dir},
	}
	for mode, options := range modes {
		t.Run(mode, func(t *testing.T) {
			report, err := AuditJSONL(log, options)
			if err != nil {
				t.Fatal(err)
			}
			if len(report.Results) != len(expected.Exchanges) {
				t.Fatalf("%d results for %d exchanges", len(report.Results), len(expected.Exchanges))
			}
			for _, r := range report.Results {
				want := expected.Exchanges[r.ID][mode]
				failed := append([]string{}, r.Failed...)
				sort.Strings(failed)
				if r.Verified != want.Verified || !equalStrings(failed, want.Failed) {
					t.Errorf("%s: verified %v failed %v, want %v %v", r.ID, r.Verified, failed, want.Verified, want.Failed)
				}
			}
			var lines []int
			for _, b := range report.Summary.BadLines {
				lines = append(lines, b.Line)
			}
			if !equalInts(lines, expected.BadLines) {
				t.Errorf("bad lines %v, want %v", lines, expected.BadLines)
			}
			if report.Summary.Clean() {
				t.Error("an audit with bad lines and failures is not clean")
			}
		})
	}
	if _, err := AuditJSONL(log, &AuditOptions{Bundles: BundleOptions{Policy: &Policy{Preset: "nope"}}}); !isCode(err, "invalid_argument") {
		t.Errorf("an unknown preset: %v", err)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isCode(err error, code string) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code
}
