package ccverify

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The verified path end to end: a session against `ccverify sandbox --evidence test` with
// Trust: TrustTest verifies (attestation, pinned key, plain and streamed replies, the bundle
// re-verified offline), and each fault on that path flips the verdict with its check id. The
// test PKI's keys are public: every verdict says "TEST ROOTS", and the same evidence never
// verifies under the production roots.

func strictTest(sb *sandbox) *Policy {
	// A key binding proves something only for pinned code: pin the TD's MRTD.
	return &Policy{Preset: "strict", ImageDigests: []string{sb.ImageDigest}, Trust: TrustTest,
		TDX: &TDXPolicy{MRTD: []string{sb.MRTD}}}
}

func testConfig(sb *sandbox, policy *Policy, fault string) *ClientConfig {
	prefix := ""
	if fault != "" {
		prefix = "/fault/" + fault
	}
	return &ClientConfig{
		BaseURL:         sb.BaseURL + prefix,
		APIKey:          "none",
		Policy:          policy,
		Retries:         Ptr(0),
		RIMURL:          sb.RIMURL + prefix,
		OCSPURL:         sb.OCSPURL,
		PCCSURL:         sb.PCCSURL + prefix,
		RecordExchanges: true,
		AllowUnverified: true,
		Strict:          Ptr(false),
	}
}

func blockingIDs(v *Verdict) []string {
	var ids []string
	for _, c := range v.Checks {
		if (c.Status == "fail" || c.Status == "skip") && !slices.Contains(ids, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func statusOf(v *Verdict, id string) string {
	for _, c := range v.Checks {
		if c.ID == id && c.Subject == "" {
			return c.Status
		}
	}
	return ""
}

func chatBody(sb *sandbox, text string, stream bool) []byte {
	b, _ := json.Marshal(map[string]any{
		"model":    sb.Model,
		"messages": []map[string]string{{"role": "user", "content": text}},
		"stream":   stream,
	})
	return b
}

func TestVerifiedPathEndToEnd(t *testing.T) {
	sb := startSandbox(t, "--evidence", "test", "--gpus", "2", "--bind-key")
	s, err := Attest(context.Background(), sb.ModelID, testConfig(sb, strictTest(sb), ""))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.Verdict()
	if err != nil {
		t.Fatal(err)
	}
	if !v.Verified || !s.Attested() {
		t.Fatalf("not verified: %v", blockingIDs(v))
	}
	if addr, _ := s.SigningAddress(); addr != sb.SigningAddress {
		t.Fatalf("pinned %s, sandbox %s", addr, sb.SigningAddress)
	}
	if statusOf(v, "trust.anchors") != "warn" || statusOf(v, "report.key_binding") != "pass" ||
		!strings.HasPrefix(v.Facts["summary"], "TEST ROOTS — proves nothing about real hardware.") {
		t.Fatalf("trust row %q, key binding %q, summary %q", statusOf(v, "trust.anchors"),
			statusOf(v, "report.key_binding"), v.Facts["summary"])
	}
	r, err := s.Chat(chatBody(sb, "hello", false))
	if err != nil || !r.Verified {
		t.Fatalf("plain reply: %v %v", err, r)
	}
	var chunks []byte
	r, err = s.ChatStream(chatBody(sb, "one two three", true), false, func(c []byte) { chunks = append(chunks, c...) })
	if err != nil || !r.Verified || !strings.HasSuffix(string(chunks), "data: [DONE]\n\n") {
		t.Fatalf("streamed reply: %v %v", err, r)
	}
	bundle, err := s.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	again, err := VerifyBundle([]byte(bundle), &BundleOptions{Policy: strictTest(sb)})
	if err != nil || !again.Verified {
		t.Fatalf("bundle under the test roots: %v %v", err, blockingIDs(again))
	}
	plain, err := VerifyBundle([]byte(bundle), nil)
	if err != nil || plain.Verified {
		t.Fatalf("bundle under the production roots verified: %v", err)
	}
	recorded, err := VerifyBundle([]byte(bundle), &BundleOptions{PolicyRecorded: true})
	if err != nil || recorded.Verified || statusOf(recorded, "trust.anchors") != "" {
		t.Fatalf("bundle under its recorded policy: %v verified=%v", err, recorded.Verified)
	}
}

func TestTestEvidenceFailsUnderTheProductionRoots(t *testing.T) {
	sb := startSandbox(t, "--evidence", "test")
	s, err := Attest(context.Background(), sb.ModelID, testConfig(sb, &Policy{Preset: "default"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, _ := s.Verdict()
	ids := blockingIDs(v)
	for _, id := range []string{"gpu.cert_chain", "gpu.driver_rim", "tdx.collateral"} {
		if v.Verified || !slices.Contains(ids, id) {
			t.Fatalf("%s: %v", id, ids)
		}
	}
}

func TestEachFaultOnTheVerifiedPathFlipsTheVerdict(t *testing.T) {
	bound := startSandbox(t, "--evidence", "test", "--bind-key")
	unbound := startSandbox(t, "--evidence", "test")
	testRoots := &Policy{Trust: TrustTest}
	cases := []struct {
		sb     *sandbox
		fault  string
		policy *Policy
		check  string
	}{
		{unbound, "gpu-wrong-nonce", testRoots, "gpu.nonce"},
		{unbound, "tampered-rim", testRoots, "gpu.driver_rim"},
		{unbound, "debug-td", testRoots, "tdx.td_attributes"},
		{unbound, "stale-collateral", testRoots, "tdx.collateral"},
		{bound, "relay-key", testRoots, "report.key_binding"},
		{bound, "relay-key", strictTest(bound), "report.key_binding"},
		{unbound, "relay-key", strictTest(unbound), "report.key_binding"},
	}
	for _, c := range cases {
		s, err := Attest(context.Background(), c.sb.ModelID, testConfig(c.sb, c.policy, c.fault))
		if err != nil {
			t.Fatalf("%s: %v", c.fault, err)
		}
		v, _ := s.Verdict()
		if v.Verified || !slices.Contains(blockingIDs(v), c.check) {
			t.Errorf("%s: verified=%v %v", c.fault, v.Verified, blockingIDs(v))
		}
		s.Close()
	}
	// io.net's unbound layout: a relay is only warned about.
	s, err := Attest(context.Background(), unbound.ModelID, testConfig(unbound, testRoots, "relay-key"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, _ := s.Verdict()
	if !v.Verified || statusOf(v, "report.key_binding") != "warn" {
		t.Fatalf("unbound relay: %v", blockingIDs(v))
	}
}
