package ccverify

/*
#include <stdint.h>
#include <stdlib.h>
#include "ccverify.h"

// The cgo-exported trampoline of callback.go (its prototype in _cgo_export.h has no const).
extern int ccverifyGoChunk(uint8_t *chunk, size_t len, void *user_data);

// ccverify_session_chat_stream with the Go trampoline as the callback and a cgo.Handle (an
// integer, so that Go never turns it into a pointer) as user_data.
static ccverify_status ccverify_go_chat_stream(const ccverify_session *session, const uint8_t *body,
                                               size_t len, bool hold, uintptr_t handle,
                                               const ccverify_cancel *cancel,
                                               ccverify_chat_response **out) {
	return ccverify_session_chat_stream(session, body, len, hold, (ccverify_chunk_fn)ccverifyGoChunk,
	                                    (void *)handle, cancel, out);
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/cgo"
	"sync"
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
// answer and pins the attested signing address; cfg is nil for the defaults (the public
// gateway, $IO_API_KEY, the default policy). The session is returned whether or not the
// attestation verified (see Attested, Verdict). When ctx is done the attestation request and
// every fetch in flight are aborted, and the error matches both ErrCancelled and ctx.Err().
// Other errors match ErrNetwork (unreachable gateway, an error status after the retries) and
// ErrInvalidArgument (a configuration the core refuses).
func Attest(ctx context.Context, modelID string, cfg *ClientConfig) (*Session, error) {
	configJSON, err := cfg.configJSON()
	if err != nil {
		return nil, err
	}
	return AttestJSON(ctx, modelID, configJSON)
}

// AttestJSON is Attest with the configuration as JSON text in the shared document form ("" for
// the defaults, or the C ABI's object: "base_url", "api_key", "timeout_ms", "retries",
// "backoff_ms", "policy" (object, or JSON/TOML text or a preset name), "allow_unverified",
// "strict", "rim_dir", "ocsp_dir", "collateral", "pccs_url", "rim_url", "ocsp_url", "at",
// "record_exchanges", "headers"), e.g. read from a file. Unknown keys are an ErrInvalidArgument error.
func AttestJSON(ctx context.Context, modelID, configJSON string) (*Session, error) {
	defer pinThread()()
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
	token, stop := watch(ctx)
	defer stop()
	var p *C.ccverify_session
	if err := ctxError(ctx, statusError(C.ccverify_session_attest(cfg, id, token, &p))); err != nil {
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
	defer pinThread()()
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
	defer pinThread()()
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

// Nonce is the nonce sent with the attestation request (64 hex digits; "" after Close).
func (s *Session) Nonce() string { return goStringOrEmpty(C.ccverify_session_nonce_hex(s.p)) }

func goStringOrEmpty(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// Bundle is the session's evidence bundle (with the recorded exchanges when the
// configuration set "record_exchanges"); VerifyBundle re-verifies it offline.
func (s *Session) Bundle() (string, error) {
	defer pinThread()()
	var out *C.char
	if err := statusError(C.ccverify_session_bundle_json(s.p, &out)); err != nil {
		return "", err
	}
	defer C.ccverify_string_free(out)
	return C.GoString(out), nil
}

// Chat sends one plain completion (the exact body bytes) and verifies the reply against the
// pinned key. Errors match ErrAttestationFailed (an unverified session without
// "allow_unverified") and ErrNetwork; in a strict session (the default unless
// "allow_unverified") a reply that does not verify is an *UnverifiedError (matching
// ErrUnverifiedResponse) carrying the reply; otherwise it is a reply with Verified false.
func (s *Session) Chat(body []byte) (*ChatResponse, error) {
	return s.ChatContext(context.Background(), body)
}

// ChatContext is Chat, stopped when ctx is done (the request is aborted; the error matches
// ErrCancelled and ctx.Err()).
func (s *Session) ChatContext(ctx context.Context, body []byte) (*ChatResponse, error) {
	defer pinThread()()
	b, n := cBytes(body)
	defer C.free(unsafe.Pointer(b))
	token, stop := watch(ctx)
	defer stop()
	var r *C.ccverify_chat_response
	return reply(ctx, uint32(C.ccverify_session_chat(s.p, b, n, token, &r)), r)
}

// UnverifiedError is the error of a strict session's reply that did not verify: the reply is
// in Response (its Verdict says why). errors.Is(err, ErrUnverifiedResponse) holds.
type UnverifiedError struct {
	Err      *Error
	Response *ChatResponse
}

func (e *UnverifiedError) Error() string { return e.Err.Error() }

// Unwrap gives the *Error, so that errors.Is matches ErrUnverifiedResponse.
func (e *UnverifiedError) Unwrap() error { return e.Err }

// reply turns a chat call's status and response into Go values.
func reply(ctx context.Context, st uint32, r *C.ccverify_chat_response) (*ChatResponse, error) {
	if st == uint32(C.CCVERIFY_STATUS_UNVERIFIED_RESPONSE) {
		var code *Error
		errors.As(statusError(st), &code)
		resp := takeResponse(r)
		return nil, &UnverifiedError{Err: code, Response: resp}
	}
	if err := ctxError(ctx, statusError(st)); err != nil {
		return nil, err
	}
	return takeResponse(r), nil
}

// watch makes a cancel token that is cancelled when ctx is done; stop releases it (and must be
// called after the C call returned).
func watch(ctx context.Context) (*C.ccverify_cancel, func()) {
	var token *C.ccverify_cancel
	if ctx.Done() == nil || C.ccverify_cancel_new(&token) != C.CCVERIFY_STATUS_OK {
		return nil, func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			C.ccverify_cancel_cancel(token)
		case <-done:
		}
	}()
	return token, func() {
		close(done)
		wg.Wait()
		C.ccverify_cancel_free(token)
	}
}

// ctxError makes a cancelled call's error match ctx.Err() too.
func ctxError(ctx context.Context, err error) error {
	if err != nil && errors.Is(err, ErrCancelled) && ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}

// chunkSink is what the trampoline reaches through the cgo.Handle.
type chunkSink struct {
	fn    func([]byte) error
	panic any
	err   error
}

// ChatStream sends one streamed completion (the body should say "stream": true). onChunk (may
// be nil) gets each chunk as it arrives, on the calling goroutine, in a fresh slice; with hold
// it gets the whole stream once, only if it verified. A panic in onChunk stops further calls
// and is re-raised once the library returned. Errors as Chat.
func (s *Session) ChatStream(body []byte, hold bool, onChunk func([]byte)) (*ChatResponse, error) {
	var fn func([]byte) error
	if onChunk != nil {
		fn = func(b []byte) error { onChunk(b); return nil }
	}
	return s.ChatStreamContext(context.Background(), body, hold, fn)
}

// ChatStreamContext is ChatStream, stopped when ctx is done or when onChunk returns an error:
// the request is aborted at once (the gateway sees the connection close). The error is then
// onChunk's, or one matching ErrCancelled and ctx.Err().
func (s *Session) ChatStreamContext(ctx context.Context, body []byte, hold bool, onChunk func([]byte) error) (*ChatResponse, error) {
	defer pinThread()()
	b, n := cBytes(body)
	defer C.free(unsafe.Pointer(b))
	token, stop := watch(ctx)
	defer stop()
	var r *C.ccverify_chat_response
	var st uint32
	if onChunk == nil {
		st = uint32(C.ccverify_session_chat_stream(s.p, b, n, C.bool(hold), nil, nil, token, &r))
	} else {
		sink := &chunkSink{fn: onChunk}
		h := cgo.NewHandle(sink)
		st = uint32(C.ccverify_go_chat_stream(s.p, b, n, C.bool(hold), C.uintptr_t(h), token, &r))
		h.Delete()
		if sink.panic != nil || sink.err != nil {
			if st == uint32(C.CCVERIFY_STATUS_OK) || st == uint32(C.CCVERIFY_STATUS_UNVERIFIED_RESPONSE) {
				C.ccverify_chat_response_free(r)
			}
			if sink.panic != nil {
				panic(sink.panic)
			}
			return nil, sink.err
		}
	}
	return reply(ctx, st, r)
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

// Stream is a streamed completion being read, as an io.ReadCloser of its verified events
// (each one data line the agent hashed, re-serialised; "data: [DONE]" last only when the whole
// stream and the session verified). Read blocks until more has been verified and returns
// io.EOF at the end — or the error that ended the stream (an *UnverifiedError in a strict
// session). Close aborts the request (the gateway sees the connection close).
type Stream struct {
	r      *io.PipeReader
	cancel context.CancelFunc
	done   chan struct{}
	resp   *ChatResponse
	err    error
}

// Stream starts one streamed completion (the body should say "stream": true) read through the
// returned Stream; ctx cancels it like Close. With hold, nothing is readable until the whole
// stream verified (and nothing at all when it did not).
func (s *Session) Stream(ctx context.Context, body []byte, hold bool) *Stream {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	st := &Stream{r: pr, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(st.done)
		resp, err := s.ChatStreamContext(ctx, body, hold, func(chunk []byte) error {
			_, werr := pw.Write(chunk)
			return werr
		})
		var unverified *UnverifiedError
		if errors.As(err, &unverified) {
			resp = unverified.Response
		}
		st.resp, st.err = resp, err
		if err != nil {
			pw.CloseWithError(err)
		} else {
			pw.Close()
		}
	}()
	return st
}

// Read reads verified bytes (see Stream).
func (st *Stream) Read(p []byte) (int, error) { return st.r.Read(p) }

// Close aborts the stream if it is still running and waits until the request is gone. Safe to
// call after the end and more than once.
func (st *Stream) Close() error {
	st.cancel()
	st.r.Close()
	<-st.done
	return nil
}

// Response is the reply with its verdict once the stream has ended (also for an
// *UnverifiedError); before the end it fails with ErrInvalidState.
func (st *Stream) Response() (*ChatResponse, error) {
	select {
	case <-st.done:
		if st.resp == nil {
			return nil, st.err
		}
		return st.resp, nil
	default:
		return nil, &Error{Code: "invalid_state", Message: "the stream has not ended: its verdict comes at the end"}
	}
}

// Verdict is the stream's verdict once it has ended (see Response).
func (st *Stream) Verdict() (*Verdict, error) {
	r, err := st.Response()
	if err != nil {
		return nil, err
	}
	return r.Verdict, nil
}
