package ccverify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// sandbox is a running `ccverify sandbox --port 0 --json` and the JSON line it printed.
type sandbox struct {
	BaseURL        string `json:"base_url"`
	SigningAddress string `json:"signing_address"`
	Model          string `json:"model"`
	ModelID        string `json:"model_id"`
	ImageDigest    string `json:"image_digest"`
	RIMURL         string `json:"rim_url"`
	OCSPURL        string `json:"ocsp_url"`
	PCCSURL        string `json:"pccs_url"`
	MRTD           string `json:"mrtd"`
}

// startSandbox runs a real sandbox gateway (CCVERIFY_BIN, else target/debug/ccverify) until the
// test ends. A sandbox that cannot start fails the test.
func startSandbox(t *testing.T, args ...string) *sandbox {
	t.Helper()
	bin := os.Getenv("CCVERIFY_BIN")
	if bin == "" {
		bin = repoPath("target", "debug", "ccverify")
	}
	cmd := exec.Command(bin, append([]string{"sandbox", "--port", "0", "--json"}, args...)...)
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start the sandbox %s (build it with `cargo build -p ccverify-cli`): %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
	}()
	var sb sandbox
	select {
	case l := <-line:
		if err := json.Unmarshal([]byte(l), &sb); err != nil || sb.BaseURL == "" || sb.ModelID == "" {
			t.Fatalf("sandbox printed %q: %v", l, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("sandbox: no JSON line within 60 s")
	}
	return &sb
}

// config is a client configuration for the sandbox: the offline policy plus extra keys.
func (sb *sandbox) config(t *testing.T, extra map[string]any) string {
	t.Helper()
	c := map[string]any{"base_url": sb.BaseURL, "policy": "offline", "timeout_ms": 120000}
	for k, v := range extra {
		c[k] = v
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (sb *sandbox) attest(t *testing.T, extra map[string]any) *Session {
	t.Helper()
	s, err := AttestJSON(context.Background(), sb.ModelID, sb.config(t, extra))
	if err != nil {
		t.Fatalf("attest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func (sb *sandbox) body(content string, stream bool) []byte {
	b, _ := json.Marshal(map[string]any{
		"model":    sb.Model,
		"messages": []map[string]string{{"role": "user", "content": content}},
		"stream":   stream,
	})
	return b
}

func subjectStatus(v *Verdict, id, subject string) string {
	for _, c := range v.Checks {
		if c.ID == id && c.Subject == subject {
			return c.Status
		}
	}
	return "missing"
}

func expectChecks(t *testing.T, v *Verdict, want map[string]string) {
	t.Helper()
	for key, status := range want {
		id, subject, _ := strings.Cut(key, " ")
		if got := subjectStatus(v, id, subject); got != status {
			t.Errorf("%s is %s, want %s (%s)", key, got, status, v.JSON)
		}
	}
}

func TestClientSandbox(t *testing.T) {
	sb := startSandbox(t)

	t.Run("attestation does not verify", func(t *testing.T) {
		s := sb.attest(t, nil)
		if s.Attested() {
			t.Error("the sandbox's fixed-nonce evidence attested")
		}
		v, err := s.Verdict()
		if err != nil {
			t.Fatal(err)
		}
		if v.Verified {
			t.Error("verdict verified")
		}
		expectChecks(t, v, map[string]string{"report.nonce": "pass", "gpu.nonce gpu0": "fail", "tdx.report_data": "fail"})
		if !strings.HasPrefix(v.Facts["summary"], "NOT VERIFIED") {
			t.Errorf("summary %q", v.Facts["summary"])
		}
		addr, err := s.SigningAddress()
		if err != nil || addr != sb.SigningAddress || v.Signer != sb.SigningAddress {
			t.Errorf("signing address %q (%v), signer %q, want %q", addr, err, v.Signer, sb.SigningAddress)
		}
		if s.ModelID() != sb.ModelID || len(s.Nonce()) != 64 || v.Facts["nonce"] != s.Nonce() {
			t.Errorf("model %q nonce %q fact %q", s.ModelID(), s.Nonce(), v.Facts["nonce"])
		}
	})

	t.Run("chat refused without allow_unverified", func(t *testing.T) {
		s := sb.attest(t, nil)
		if _, err := s.Chat(sb.body("hello", false)); !errors.Is(err, ErrAttestationFailed) {
			t.Errorf("chat: %v", err)
		}
		called := false
		if _, err := s.ChatStream(sb.body("hello", true), false, func([]byte) { called = true }); !errors.Is(err, ErrAttestationFailed) || called {
			t.Errorf("chat stream: %v (callback called: %v)", err, called)
		}
	})

	t.Run("chat with allow_unverified", func(t *testing.T) {
		s := sb.attest(t, map[string]any{"allow_unverified": true})
		r, err := s.Chat(sb.body("hello there", false))
		if err != nil {
			t.Fatal(err)
		}
		expectChecks(t, r.Verdict, map[string]string{
			"response.signature": "pass", "response.signer": "pass", "response.request_hash": "pass",
			"response.response_hash": "pass", "session.attestation": "fail",
		})
		if r.Verified || r.Attested || r.Stream || r.Status != 200 || r.Verdict.Verified {
			t.Errorf("flags: %+v", r)
		}
		if !bytes.Contains(r.Body, []byte("Echo: ")) {
			t.Errorf("body %q", r.Body)
		}
		if r.Header("Signature") == "" || r.Verdict.Signer != sb.SigningAddress {
			t.Errorf("signature header %q, signer %q", r.Header("Signature"), r.Verdict.Signer)
		}
	})

	t.Run("chat stream", func(t *testing.T) {
		s := sb.attest(t, map[string]any{"allow_unverified": true})
		var chunks [][]byte
		r, err := s.ChatStream(sb.body("one two three four five six", true), false, func(c []byte) { chunks = append(chunks, c) })
		if err != nil {
			t.Fatal(err)
		}
		if len(chunks) < 2 {
			t.Errorf("%d chunks", len(chunks))
		}
		if !bytes.Equal(bytes.Join(chunks, nil), r.Body) {
			t.Error("the chunks do not add up to the body")
		}
		expectChecks(t, r.Verdict, map[string]string{
			"stream.signature_block": "pass", "response.signer": "pass", "response.response_hash": "pass",
			"session.attestation": "fail",
		})
		if !r.Stream || r.Verified {
			t.Errorf("flags: stream %v verified %v", r.Stream, r.Verified)
		}

		calls := 0
		r, err = s.ChatStream(sb.body("held back", true), true, func([]byte) { calls++ })
		if err != nil || calls != 0 || len(r.Body) == 0 {
			t.Errorf("hold on an unverified session: %v, %d calls, %d bytes", err, calls, len(r.Body))
		}
		r, err = s.ChatStream(sb.body("no callback", true), false, nil)
		if err != nil || subjectStatus(r.Verdict, "stream.signature_block", "") != "pass" {
			t.Errorf("nil callback: %v", err)
		}
	})

	t.Run("a panic in the callback is re-raised after the call", func(t *testing.T) {
		s := sb.attest(t, map[string]any{"allow_unverified": true})
		calls := 0
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("recovered %v", r)
				}
			}()
			_, _ = s.ChatStream(sb.body("a b c d", true), false, func([]byte) { calls++; panic("boom") })
			t.Error("no panic")
		}()
		if calls != 1 {
			t.Errorf("%d calls after the panic", calls)
		}
		// The session is still usable.
		if _, err := s.Chat(sb.body("after", false)); err != nil {
			t.Error(err)
		}
	})

	t.Run("tampered response", func(t *testing.T) {
		s := sb.attest(t, map[string]any{"allow_unverified": true, "headers": map[string]string{"x-sandbox-fault": "tamper-response"}})
		r, err := s.Chat(sb.body("tamper with me", false))
		if err != nil {
			t.Fatal(err)
		}
		expectChecks(t, r.Verdict, map[string]string{"response.response_hash": "fail", "response.request_hash": "pass"})
	})

	t.Run("recorded exchanges re-verify from the bundle", func(t *testing.T) {
		s := sb.attest(t, map[string]any{"allow_unverified": true, "record_exchanges": true})
		if _, err := s.Chat(sb.body("first", false)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ChatStream(sb.body("second one", true), false, nil); err != nil {
			t.Fatal(err)
		}
		bundle, err := s.Bundle()
		if err != nil {
			t.Fatal(err)
		}
		v, err := VerifyBundle([]byte(bundle), nil)
		if err != nil {
			t.Fatal(err)
		}
		expectChecks(t, v, map[string]string{
			"response.signer exchange0": "pass", "response.signer exchange1": "pass",
			"response.response_hash exchange1": "pass", "gpu.nonce gpu0": "fail",
		})
		if v.Facts["bundle.exchanges"] != "2" {
			t.Errorf("bundle.exchanges %q", v.Facts["bundle.exchanges"])
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, bad := range []string{"not json", "[]", `{"bogus":1}`, `{"retries":-1}`, `{"policy":"lenient"}`} {
			if _, err := AttestJSON(context.Background(), sb.ModelID, bad); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("config %s: %v", bad, err)
			}
		}
		if _, err := AttestJSON(context.Background(), "no-such-model", sb.config(t, nil)); !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "404") {
			t.Errorf("unknown model: %v", err)
		}
		closed := &ClientConfig{BaseURL: "http://127.0.0.1:1", Retries: Ptr(0), Policy: &Policy{Preset: "offline"}}
		if _, err := Attest(context.Background(), sb.ModelID, closed); !errors.Is(err, ErrNetwork) {
			t.Errorf("unreachable: %v", err)
		}
		s := sb.attest(t, map[string]any{"allow_unverified": true})
		if _, err := s.Chat([]byte("not json")); !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "422") {
			t.Errorf("chat not json: %v", err)
		}
		s.Close()
		s.Close()
		if _, err := s.Chat(sb.body("closed", false)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("chat after close: %v", err)
		}
		if _, err := s.Verdict(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("verdict after close: %v", err)
		}
		if s.Attested() || s.ModelID() != "" {
			t.Error("accessors after close")
		}
	})
}

func TestClientAPIKey(t *testing.T) {
	sb := startSandbox(t, "--api-key", "k1")
	_, err := AttestJSON(context.Background(), sb.ModelID, sb.config(t, map[string]any{"api_key": "wrong"}))
	if !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong key: %v", err)
	}
	s := sb.attest(t, map[string]any{"api_key": "k1", "allow_unverified": true})
	if _, err := s.Chat(sb.body("authorised", false)); err != nil {
		t.Fatal(err)
	}
}

func TestClientTypedConfig(t *testing.T) {
	sb := startSandbox(t, "--api-key", "k2")
	cfg := &ClientConfig{
		BaseURL: sb.BaseURL, APIKey: "k2", Timeout: 2 * time.Minute, Retries: Ptr(0), Backoff: time.Millisecond,
		Policy: &Policy{Preset: "offline"}, AllowUnverified: true, Strict: Ptr(false), RecordExchanges: true,
		Headers: map[string]string{"x-org": "ccverify"},
	}
	s, err := Attest(context.Background(), sb.ModelID, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Attested() {
		t.Error("the sandbox's fixed-nonce evidence attested")
	}
	// Not strict: the unverified reply comes back flagged, and the exchange is recorded.
	r, err := s.Chat(sb.body("typed", false))
	if err != nil || r.Verified {
		t.Fatalf("chat: %v %v", err, r)
	}
	bundle, err := s.Bundle()
	var doc struct {
		Exchanges []json.RawMessage `json:"exchanges"`
	}
	if err != nil || json.Unmarshal([]byte(bundle), &doc) != nil || len(doc.Exchanges) != 1 {
		t.Errorf("bundle without the exchange: %v", err)
	}
	// The same session in JSON options: the same verdict.
	again := sb.attest(t, map[string]any{"api_key": "k2", "allow_unverified": true})
	v1, _ := s.Verdict()
	v2, _ := again.Verdict()
	if len(v1.Checks) != len(v2.Checks) || v1.Verified != v2.Verified {
		t.Errorf("typed and JSON configs differ: %s vs %s", v1.JSON, v2.JSON)
	}
	// A policy the core refuses, a negative retry count.
	for name, bad := range map[string]*ClientConfig{
		"preset":  {BaseURL: sb.BaseURL, Policy: &Policy{Preset: "lenient"}},
		"retries": {BaseURL: sb.BaseURL, Retries: Ptr(-1)},
	} {
		if _, err := Attest(context.Background(), sb.ModelID, bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestClientRetries(t *testing.T) {
	sb := startSandbox(t, "--transient-failures", "2")
	s := sb.attest(t, map[string]any{"allow_unverified": true, "retries": 3, "backoff_ms": 1})
	r, err := s.Chat(sb.body("retry me", false))
	if err != nil {
		t.Fatalf("two transient failures with three retries: %v", err)
	}
	if r.Status != 200 || subjectStatus(r.Verdict, "response.signer", "") != "pass" {
		t.Errorf("status %d, %s", r.Status, r.Verdict.JSON)
	}

	sb = startSandbox(t, "--transient-failures", "1")
	s = sb.attest(t, map[string]any{"allow_unverified": true, "retries": 0})
	if _, err := s.Chat(sb.body("no retries", false)); !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "503") {
		t.Errorf("no retries: %v", err)
	}
}

// stat reads one counter of the sandbox's GET /v1/sandbox/stats.
func (sb *sandbox) stat(t *testing.T, key string) int {
	t.Helper()
	resp, err := http.Get(sb.BaseURL + "/v1/sandbox/stats")
	if err != nil {
		t.Fatalf("sandbox stats: %v", err)
	}
	defer resp.Body.Close()
	var stats map[string]int
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatalf("sandbox stats: %v", err)
	}
	return stats[key]
}

// waitAborted waits until the sandbox counted at least n streams whose client went away.
func (sb *sandbox) waitAborted(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for sb.stat(t, "streams_aborted") < n {
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox never saw the connection close (%d aborted)", sb.stat(t, "streams_aborted"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestClientStrictReplies(t *testing.T) {
	sb := startSandbox(t)
	s := sb.attest(t, map[string]any{"allow_unverified": true, "strict": true})
	_, err := s.Chat(sb.body("hi", false))
	var unverified *UnverifiedError
	if !errors.Is(err, ErrUnverifiedResponse) || !errors.As(err, &unverified) {
		t.Fatalf("strict chat: %v", err)
	}
	if unverified.Response == nil || unverified.Response.Verified ||
		subjectStatus(unverified.Response.Verdict, "session.attestation", "") != "fail" {
		t.Fatalf("the error carries the unverified reply: %+v", unverified.Response)
	}
	_, err = s.ChatStream(sb.body("one two", true), false, nil)
	if !errors.Is(err, ErrUnverifiedResponse) {
		t.Fatalf("strict stream: %v", err)
	}
	// allow_unverified alone: flagged, not raised.
	lenient := sb.attest(t, map[string]any{"allow_unverified": true})
	if r, err := lenient.Chat(sb.body("hi", false)); err != nil || r.Verified {
		t.Fatalf("lenient chat: %v %+v", err, r)
	}
}

func TestClientContextCancelsTheRequest(t *testing.T) {
	sb := startSandbox(t)
	s := sb.attest(t, map[string]any{"allow_unverified": true, "headers": map[string]string{"x-sandbox-fault": "slow"}})
	long := sb.body(strings.TrimSpace(strings.Repeat("word ", 60)), true)

	ctx, cancel := context.WithCancel(context.Background())
	chunks := 0
	start := time.Now()
	_, err := s.ChatStreamContext(ctx, long, false, func([]byte) error {
		chunks++
		if chunks == 1 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled stream: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("cancellation took %v", time.Since(start))
	}
	sb.waitAborted(t, 1)

	// An error from onChunk stops the stream the same way, and is returned as is.
	stopErr := errors.New("enough")
	_, err = s.ChatStreamContext(context.Background(), long, false, func([]byte) error { return stopErr })
	if !errors.Is(err, stopErr) {
		t.Fatalf("onChunk error: %v", err)
	}
	sb.waitAborted(t, 2)

	// A context already done stops the call before it starts.
	if _, err := s.ChatContext(ctx, sb.body("hi", false)); !errors.Is(err, context.Canceled) {
		t.Fatalf("chat with a done context: %v", err)
	}
	if _, err := AttestJSON(ctx, sb.ModelID, sb.config(t, nil)); !errors.Is(err, ErrCancelled) {
		t.Fatalf("attest with a done context: %v", err)
	}
}

func TestClientStreamIsAReadCloser(t *testing.T) {
	sb := startSandbox(t)
	s := sb.attest(t, map[string]any{"allow_unverified": true})
	st := s.Stream(context.Background(), sb.body("one two three", true), false)
	var _ io.ReadCloser = st
	if _, err := st.Verdict(); !errors.Is(err, ErrInvalidState) {
		// The stream may already have ended on a fast machine; only a wrong error is a failure.
		if err != nil {
			t.Fatalf("verdict before the end: %v", err)
		}
	}
	data, err := io.ReadAll(st)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.HasPrefix(data, []byte("data: ")) || bytes.Contains(data, []byte("[DONE]")) {
		t.Fatalf("verified events, no [DONE] for an unverified session: %q", data)
	}
	v, err := st.Verdict()
	if err != nil || subjectStatus(v, "stream.signature_block", "") != "pass" ||
		subjectStatus(v, "session.attestation", "") != "fail" {
		t.Fatalf("verdict after EOF: %v %+v", err, v)
	}
	st.Close()

	// Close aborts a running stream; the sandbox sees the connection close.
	slow := sb.attest(t, map[string]any{"allow_unverified": true, "headers": map[string]string{"x-sandbox-fault": "slow"}})
	before := sb.stat(t, "streams_aborted")
	st = slow.Stream(context.Background(), sb.body(strings.TrimSpace(strings.Repeat("word ", 60)), true), false)
	buf := make([]byte, 1)
	if _, err := st.Read(buf); err != nil {
		t.Fatalf("first byte: %v", err)
	}
	st.Close()
	sb.waitAborted(t, before+1)
}
