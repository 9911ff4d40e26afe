package ccverify

/*
#include <stdint.h>
#include <stdlib.h>
#include "ccverify.h"

// The cgo-exported trampoline of callback.go (its prototype in _cgo_export.h has no const).
extern void ccverifyGoChunk(uint8_t *chunk, size_t len, void *user_data);

// ccverify_session_chat_stream with the Go trampoline as the callback and a cgo.Handle (an
// integer, so that Go never turns it into a pointer) as user_data.
static ccverify_status ccverify_go_chat_stream(const ccverify_session *session, const uint8_t *body,
                                               size_t len, bool hold, uintptr_t handle,
                                               ccverify_chat_response **out) {
	return ccverify_session_chat_stream(session, body, len, hold, (ccverify_chunk_fn)ccverifyGoChunk,
	                                    (void *)handle, out);
}
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// Session is an attested session with one model of the io.net gateway (see Attest). Its
// methods block until the gateway answered. Close frees it; a Session must not be used from
// two goroutines at once.
type Session struct{ p *C.ccverify_session }

// ChatResponse is one completion and its verdict, copied out of the library.
type ChatResponse struct {
	// Status is the HTTP status (2xx: other statuses are errors).
	Status int
	// Body is the exact body received (for a stream, the whole SSE stream).
	Body []byte
	// Headers are the response headers (lower-case names, in the order received).
	Headers [][2]string
	// Verdict has the exchange's checks plus "session.attestation".
	Verdict *Verdict
	// Verified: the exchange verified against the pinned key AND the attestation verified.
	Verified bool
	// Attested: the session's attestation verified.
	Attested bool
	// Stream: Body is an SSE stream.
	Stream bool
}

// Header is the first value of the header named name (case-insensitive), or "".
func (r *ChatResponse) Header(name string) string {
	for _, h := range r.Headers {
		if equalFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Attest attests modelID (the model's UUID) at the gateway with a fresh nonce, verifies the
// answer and pins the attested signing address. configJSON is "" for the defaults (the public
// gateway, $IO_API_KEY, the default policy) or the C ABI's JSON object: "base_url", "api_key",
// "timeout_ms", "retries", "backoff_ms", "policy" (object, or JSON/TOML text or a preset name),
// "allow_unverified", "rim_dir", "ocsp_dir", "collateral", "pccs_url", "at",
// "record_exchanges", "headers". The session is returned whether or not the attestation
// verified (see Attested, Verdict). Errors match ErrNetwork (unreachable gateway, an error
// status after the retries) and ErrInvalidArgument (a configuration that does not parse).
func Attest(configJSON, modelID string) (*Session, error) {
	cfg, err := cText(configJSON, "config")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cfg))
	id, err := cText(modelID, "model id")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(id))
	var p *C.ccverify_session
	if err := statusError(C.ccverify_session_attest(cfg, id, &p)); err != nil {
		return nil, err
	}
	return &Session{p: p}, nil
}

// Close frees the session; later calls fail with ErrInvalidArgument. Safe to call twice.
func (s *Session) Close() {
	C.ccverify_session_free(s.p)
	s.p = nil
}

// Verdict is the attestation verdict (checks report.*, gpu.*, tdx.*; Facts["summary"] says
// what is and is not proven).
func (s *Session) Verdict() (*Verdict, error) {
	var v *C.ccverify_verdict
	if err := statusError(C.ccverify_session_verdict(s.p, &v)); err != nil {
		return nil, err
	}
	return takeVerdict(v), nil
}

// Attested reports whether the attestation verified.
func (s *Session) Attested() bool { return bool(C.ccverify_session_attested(s.p)) }

// SigningAddress is the pinned signing address (EIP-55), or "" when the attestation carried no
// well-formed signing_address (then no completion can verify).
func (s *Session) SigningAddress() (string, error) {
	var out *C.char
	if err := statusError(C.ccverify_session_signing_address(s.p, &out)); err != nil {
		return "", err
	}
	if out == nil {
		return "", nil
	}
	defer C.ccverify_string_free(out)
	return C.GoString(out), nil
}

// ModelID is the model UUID attested ("" after Close).
func (s *Session) ModelID() string { return goStringOrEmpty(C.ccverify_session_model_id(s.p)) }

// NonceHex is the nonce sent with the attestation request (64 hex digits; "" after Close).
func (s *Session) NonceHex() string { return goStringOrEmpty(C.ccverify_session_nonce_hex(s.p)) }

func goStringOrEmpty(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// BundleJSON is the session's evidence bundle (with the recorded exchanges when the
// configuration set "record_exchanges"); VerifyBundle re-verifies it offline.
func (s *Session) BundleJSON() (string, error) {
	var out *C.char
	if err := statusError(C.ccverify_session_bundle_json(s.p, &out)); err != nil {
		return "", err
	}
	defer C.ccverify_string_free(out)
	return C.GoString(out), nil
}

// Chat sends one plain completion (the exact body bytes) and verifies the reply against the
// pinned key. Errors match ErrAttestationFailed (an unverified session without
// "allow_unverified") and ErrNetwork; a reply that does not verify is a verdict, not an error.
func (s *Session) Chat(body []byte) (*ChatResponse, error) {
	b, n := cBytes(body)
	defer C.free(unsafe.Pointer(b))
	var r *C.ccverify_chat_response
	if err := statusError(C.ccverify_session_chat(s.p, b, n, &r)); err != nil {
		return nil, err
	}
	return takeResponse(r), nil
}

// chunkSink is what the trampoline reaches through the cgo.Handle.
type chunkSink struct {
	fn    func([]byte)
	panic any
}

// ChatStream sends one streamed completion (the body should say "stream": true). onChunk (may
// be nil) gets each chunk as it arrives, on the calling goroutine, in a fresh slice; with hold
// it gets the whole stream once, only if it verified. A panic in onChunk stops further calls
// and is re-raised once the library returned. Errors as Chat.
func (s *Session) ChatStream(body []byte, hold bool, onChunk func([]byte)) (*ChatResponse, error) {
	b, n := cBytes(body)
	defer C.free(unsafe.Pointer(b))
	var r *C.ccverify_chat_response
	var st uint32
	if onChunk == nil {
		st = uint32(C.ccverify_session_chat_stream(s.p, b, n, C.bool(hold), nil, nil, &r))
	} else {
		sink := &chunkSink{fn: onChunk}
		h := cgo.NewHandle(sink)
		st = uint32(C.ccverify_go_chat_stream(s.p, b, n, C.bool(hold), C.uintptr_t(h), &r))
		h.Delete()
		if sink.panic != nil {
			if st == uint32(C.CCVERIFY_STATUS_OK) {
				C.ccverify_chat_response_free(r)
			}
			panic(sink.panic)
		}
	}
	if err := statusError(st); err != nil {
		return nil, err
	}
	return takeResponse(r), nil
}

// takeResponse copies a response into Go memory and frees it.
func takeResponse(r *C.ccverify_chat_response) *ChatResponse {
	defer C.ccverify_chat_response_free(r)
	out := &ChatResponse{
		Status:   int(C.ccverify_chat_response_status(r)),
		Verified: bool(C.ccverify_chat_response_verified(r)),
		Attested: bool(C.ccverify_chat_response_attested(r)),
		Stream:   bool(C.ccverify_chat_response_stream(r)),
		Body:     []byte{},
	}
	var p *C.uint8_t
	var n C.size_t
	if C.ccverify_chat_response_body(r, &p, &n) == C.CCVERIFY_STATUS_OK && n > 0 {
		out.Body = C.GoBytes(unsafe.Pointer(p), C.int(n))
	}
	for i := 0; i < int(C.ccverify_chat_response_header_count(r)); i++ {
		out.Headers = append(out.Headers, [2]string{
			C.GoString(C.ccverify_chat_response_header_name(r, C.size_t(i))),
			C.GoString(C.ccverify_chat_response_header_value(r, C.size_t(i))),
		})
	}
	out.Verdict = copyVerdict(C.ccverify_chat_response_verdict(r))
	return out
}
