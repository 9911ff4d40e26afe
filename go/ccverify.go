package ccverify

/*
#cgo pkg-config: ccverify
#include <stdlib.h>
#include "ccverify.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// Error is a non-OK status from the library, with its stable name and message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("ccverify: %s: %s", e.Code, e.Message) }

// Sentinels matched by errors.Is against an *Error's Code.
var (
	ErrInvalidArgument = errors.New("invalid_argument")
	ErrInvalidNonce    = errors.New("invalid_nonce")
	ErrInvalidAddress  = errors.New("invalid_address")
	ErrLimitExceeded   = errors.New("limit_exceeded")
	ErrInvalidState    = errors.New("invalid_state")
	// ErrNetwork: a network step failed (never raised by offline verification).
	ErrNetwork = errors.New("network")
	// ErrAttestationFailed: an attested session refused to continue unverified.
	ErrAttestationFailed = errors.New("attestation_failed")
	// ErrUnverifiedResponse: a strict session got a reply that did not verify.
	ErrUnverifiedResponse = errors.New("unverified_response")
	// ErrCancelled: the call was cancelled through its context; the request was aborted.
	ErrCancelled = errors.New("cancelled")
)

// StatusName is the stable name of a C status number ("ok", "invalid_nonce", …, "unknown").
func StatusName(status uint32) string {
	return C.GoString(C.ccverify_status_name(C.uint32_t(status)))
}

// Is lets errors.Is match sentinel errors by code.
func (e *Error) Is(target error) bool { return target != nil && target.Error() == e.Code }

// pinThread keeps the calling goroutine on its OS thread until the returned func runs. The
// library's last error message is per thread; a goroutine that moved between the call and
// ccverify_last_error_message would read another call's message.
func pinThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

// statusError turns a status into an error with the thread's last error message; call it on
// the thread that made the call (see pinThread).
func statusError[T ~uint32](status T) error {
	st := uint32(status)
	if st == uint32(C.CCVERIFY_STATUS_OK) {
		return nil
	}
	msg := ""
	if m := C.ccverify_last_error_message(); m != nil {
		msg = C.GoString(m)
	}
	return &Error{Code: C.GoString(C.ccverify_status_name(C.uint32_t(st))), Message: msg}
}

// Check is one row of a verdict.
type Check struct {
	// ID is the check's stable id, e.g. "response.signature" or "gpu.report_signature" (the
	// README's check table lists them all).
	ID string
	// Status is "pass", "fail", "skip" or "warn". A skipped required check is never a pass.
	Status string
	// Detail is the reason, in words.
	Detail string
	// Subject names what the check is about when a verification covers several things
	// ("gpu0", "gpu1", …), else it is empty.
	Subject string
}

// Verdict is the outcome of a verification that ran. Verified is true only when every required
// check passed; the checks say what was proven and what was not.
type Verdict struct {
	// Verified is the one answer: true when every required check passed.
	Verified bool
	// Checks lists every check in order, failed and skipped ones included.
	Checks []Check
	// Signer is the address the signature recovered to; empty when none was recovered.
	Signer string
	// Facts are named values the verification established, e.g. "summary" (what is and is not
	// proven, in plain words) or "tcb_status".
	Facts map[string]string
	// JSON is the whole verdict as the core's JSON document, identical in every language.
	JSON string
}

var statusWords = map[uint32]string{
	uint32(C.CCVERIFY_CHECK_STATUS_PASS): "pass", uint32(C.CCVERIFY_CHECK_STATUS_FAIL): "fail",
	uint32(C.CCVERIFY_CHECK_STATUS_SKIP): "skip", uint32(C.CCVERIFY_CHECK_STATUS_WARN): "warn",
}

// takeVerdict copies a verdict into Go memory and frees it.
func takeVerdict(v *C.ccverify_verdict) *Verdict {
	defer C.ccverify_verdict_free(v)
	return copyVerdict(v)
}

// copyVerdict copies a verdict into Go memory (it stays owned by the caller).
func copyVerdict(v *C.ccverify_verdict) *Verdict {
	out := &Verdict{Verified: bool(C.ccverify_verdict_verified(v)), Facts: map[string]string{}}
	n := int(C.ccverify_verdict_check_count(v))
	for i := 0; i < n; i++ {
		idx := C.size_t(i)
		check := Check{
			ID:     C.GoString(C.ccverify_verdict_check_id(v, idx)),
			Status: statusWords[uint32(C.ccverify_verdict_check_status(v, idx))],
			Detail: C.GoString(C.ccverify_verdict_check_detail(v, idx)),
		}
		if s := C.ccverify_verdict_check_subject(v, idx); s != nil {
			check.Subject = C.GoString(s)
		}
		out.Checks = append(out.Checks, check)
	}
	if s := C.ccverify_verdict_signer(v); s != nil {
		out.Signer = C.GoString(s)
	}
	for i := 0; i < int(C.ccverify_verdict_fact_count(v)); i++ {
		name := C.ccverify_verdict_fact_name(v, C.size_t(i))
		out.Facts[C.GoString(name)] = C.GoString(C.ccverify_verdict_fact(v, name))
	}
	out.JSON = C.GoString(C.ccverify_verdict_json(v))
	return out
}

// cBytes copies b into C memory (never NULL, so empty slices are fine); free with C.free.
// It copies first: append on a sub-slice would overwrite the caller's next byte.
func cBytes(b []byte) (*C.uint8_t, C.size_t) {
	buf := make([]byte, len(b)+1)
	copy(buf, b)
	return (*C.uint8_t)(C.CBytes(buf)), C.size_t(len(b))
}

func cAddress(expected string) *C.char {
	if expected == "" {
		return nil
	}
	return C.CString(expected)
}

// VerifyResponse verifies a plain response; expected "" means no pinned address.
func VerifyResponse(request, response []byte, headers map[string]string, expected string) (*Verdict, error) {
	pairs := make([][2]string, 0, len(headers))
	for k, v := range headers {
		pairs = append(pairs, [2]string{k, v})
	}
	return verifyResponsePairs(request, response, pairs, expected)
}

// VerifyResponseHeader is VerifyResponse for the headers as net/http gives them (resp.Header):
// every value of every field is passed on, so a repeated signing field is seen by the
// verifier, never silently reduced to its first value.
func VerifyResponseHeader(request, response []byte, header http.Header, expected string) (*Verdict, error) {
	var pairs [][2]string
	for name, values := range header {
		for _, v := range values {
			pairs = append(pairs, [2]string{name, v})
		}
	}
	return verifyResponsePairs(request, response, pairs, expected)
}

func verifyResponsePairs(request, response []byte, headers [][2]string, expected string) (*Verdict, error) {
	defer pinThread()()
	req, reqLen := cBytes(request)
	defer C.free(unsafe.Pointer(req))
	resp, respLen := cBytes(response)
	defer C.free(unsafe.Pointer(resp))
	n := len(headers)
	names := (*[1 << 16]*C.char)(C.malloc(C.size_t(n+1) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	values := (*[1 << 16]*C.char)(C.malloc(C.size_t(n+1) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	defer C.free(unsafe.Pointer(names))
	defer C.free(unsafe.Pointer(values))
	for i, h := range headers {
		names[i], values[i] = C.CString(h[0]), C.CString(h[1])
		defer C.free(unsafe.Pointer(names[i]))
		defer C.free(unsafe.Pointer(values[i]))
	}
	addr := cAddress(expected)
	defer C.free(unsafe.Pointer(addr))
	var v *C.ccverify_verdict
	st := C.ccverify_verify_response(req, reqLen, resp, respLen,
		(**C.char)(unsafe.Pointer(names)), (**C.char)(unsafe.Pointer(values)), C.size_t(n), addr, &v)
	if err := statusError(st); err != nil {
		return nil, err
	}
	return takeVerdict(v), nil
}

// VerifyStream verifies a complete SSE stream.
func VerifyStream(request, stream []byte, expected string) (*Verdict, error) {
	defer pinThread()()
	req, reqLen := cBytes(request)
	defer C.free(unsafe.Pointer(req))
	s, sLen := cBytes(stream)
	defer C.free(unsafe.Pointer(s))
	addr := cAddress(expected)
	defer C.free(unsafe.Pointer(addr))
	var v *C.ccverify_verdict
	if err := statusError(C.ccverify_verify_stream(req, reqLen, s, sLen, addr, &v)); err != nil {
		return nil, err
	}
	return takeVerdict(v), nil
}

// GPUOptions are the options of VerifyGPU: where RIMs and cached OCSP responses are, the
// verification time and the appraisal policy. The zero value (or a nil *GPUOptions) is the
// strict default policy at the system clock.
type GPUOptions struct {
	// RIMDir is a directory of reference integrity manifests named by RIM id ("" = none).
	RIMDir string
	// OCSPDir is a directory of cached DER OCSP responses ("" = none).
	OCSPDir string
	// At is the verification time; the zero time means the system clock at the call.
	At time.Time
	// GPUPolicy is the appraisal policy (its fields are promoted: opts.ExpectedCount).
	GPUPolicy
	// Trust is the roots to trust ("" = the production roots; see Trust).
	Trust Trust
}

// optionsJSON is the JSON object ccverify_verify_gpu reads ("" for nil options).
func (o *GPUOptions) optionsJSON() (string, error) {
	if o == nil {
		return "", nil
	}
	doc := o.GPUPolicy.document()
	setText(doc, "rim_dir", o.RIMDir)
	setText(doc, "ocsp_dir", o.OCSPDir)
	setTime(doc, "at", o.At)
	setText(doc, "trust", string(o.Trust))
	b, err := json.Marshal(doc)
	return string(b), err
}

// VerifyGPU verifies the NVIDIA GPU evidence of an io.net attestation: gpuJSON is the JSON of
// its "gpu" member and nonce the hex nonce sent with the attestation request. Bad evidence is
// a verdict with failed checks; errors (code "invalid_nonce", "invalid_argument", …) are for
// calls that cannot run.
func VerifyGPU(gpuJSON []byte, nonce string, options *GPUOptions) (*Verdict, error) {
	opts, err := options.optionsJSON()
	if err != nil {
		return nil, &Error{Code: "invalid_argument", Message: err.Error()}
	}
	return VerifyGPUJSON(gpuJSON, nonce, opts)
}

// VerifyGPUJSON is VerifyGPU with the options as JSON text in the shared document form (the C
// ABI's: "rim_dir", "at", "expected_count", …; "" means the defaults), e.g. read from a file.
// Unknown keys are an "invalid_argument" error.
func VerifyGPUJSON(gpuJSON []byte, nonce string, opts string) (*Verdict, error) {
	defer pinThread()()
	if strings.IndexByte(nonce, 0) >= 0 {
		return nil, &Error{Code: "invalid_argument", Message: "nonce contains a NUL byte"}
	}
	g, gLen := cBytes(gpuJSON)
	defer C.free(unsafe.Pointer(g))
	n := C.CString(nonce)
	defer C.free(unsafe.Pointer(n))
	o, err := cText(opts, "options")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(o))
	var v *C.ccverify_verdict
	if err := statusError(C.ccverify_verify_gpu(g, gLen, n, o, &v)); err != nil {
		return nil, err
	}
	return takeVerdict(v), nil
}

// TDXOptions are the options of VerifyTDX: what REPORTDATA must be, the verification time and
// the appraisal policy. The zero value (or a nil *TDXOptions) is the strict default policy at
// the system clock with nothing expected of REPORTDATA — so the verdict is not verified: set
// Nonce or ReportData.
type TDXOptions struct {
	// Nonce is the hex nonce sent with the attestation request (io.net's rule: REPORTDATA is
	// the 32-byte nonce followed by 32 zero bytes). Exclusive with ReportData.
	Nonce string
	// ReportData is the exact expected REPORTDATA, 128 hex digits. Exclusive with Nonce.
	ReportData string
	// At is the verification time; the zero time means the system clock at the call.
	At time.Time
	// TDXPolicy is the appraisal policy (its fields are promoted: opts.MRTD).
	TDXPolicy
	// Trust is the roots to trust ("" = the production roots; see Trust).
	Trust Trust
}

// optionsJSON is the JSON object ccverify_verify_tdx reads ("" for nil options).
func (o *TDXOptions) optionsJSON() (string, error) {
	if o == nil {
		return "", nil
	}
	doc := o.TDXPolicy.document()
	setText(doc, "nonce", o.Nonce)
	setText(doc, "report_data", o.ReportData)
	setTime(doc, "at", o.At)
	setText(doc, "trust", string(o.Trust))
	b, err := json.Marshal(doc)
	return string(b), err
}

// VerifyTDX verifies an Intel TDX quote (binary, or the hex text io.net returns as cpu.quote)
// with Intel's collateral for it (dcap-qvl's QuoteCollateralV3 JSON). Bad evidence is a verdict
// with failed checks; errors (code "invalid_nonce", "invalid_argument", …) are for calls that
// cannot run.
func VerifyTDX(quote, collateral []byte, options *TDXOptions) (*Verdict, error) {
	opts, err := options.optionsJSON()
	if err != nil {
		return nil, &Error{Code: "invalid_argument", Message: err.Error()}
	}
	return VerifyTDXJSON(quote, collateral, opts)
}

// VerifyTDXJSON is VerifyTDX with the options as JSON text in the shared document form (the C
// ABI's: "nonce", "at", "accepted_tcb_statuses", …; "" means the defaults). Unknown keys are an
// "invalid_argument" error.
func VerifyTDXJSON(quote, collateral []byte, opts string) (*Verdict, error) {
	defer pinThread()()
	q, qLen := cBytes(quote)
	defer C.free(unsafe.Pointer(q))
	c, cLen := cBytes(collateral)
	defer C.free(unsafe.Pointer(c))
	o, err := cText(opts, "options")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(o))
	var v *C.ccverify_verdict
	if err := statusError(C.ccverify_verify_tdx(q, qLen, c, cLen, o, &v)); err != nil {
		return nil, err
	}
	return takeVerdict(v), nil
}

// cText is text as a C string (free with C.free), refusing interior NUL bytes.
func cText(text, what string) (*C.char, error) {
	if strings.IndexByte(text, 0) >= 0 {
		return nil, &Error{Code: "invalid_argument", Message: what + " contains a NUL byte"}
	}
	return C.CString(text), nil
}

// VerifyReport verifies a whole io.net attestation (the JSON bytes of the
// /v1/private/attestation answer, exactly as received) for the nonce in options (required).
// The verdict's Signer is the attested signing address (the key to pin) and Facts["summary"]
// says what is and is not proven. Bad evidence is a verdict with failed checks; errors match
// ErrInvalidNonce and ErrInvalidArgument (a policy the core refuses, an unreadable directory).
func VerifyReport(report []byte, options *ReportOptions) (*Verdict, error) {
	if options == nil {
		return nil, &Error{Code: "invalid_argument", Message: "options: the nonce is required"}
	}
	opts, err := options.optionsJSON()
	if err != nil {
		return nil, err
	}
	return VerifyReportJSON(report, opts)
}

// VerifyReportJSON is VerifyReport with the options as JSON text in the shared document form
// (the C ABI's: "nonce", "rim_dir", "ocsp_dir", "collateral" (object or JSON text), "at" (RFC
// 3339 or Unix seconds) and "policy" (object, or JSON/TOML text or a preset name)), e.g. read
// from a file. Unknown keys are an "invalid_argument" error.
func VerifyReportJSON(report []byte, optionsJSON string) (*Verdict, error) {
	defer pinThread()()
	o, err := cText(optionsJSON, "options")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(o))
	r, rLen := cBytes(report)
	defer C.free(unsafe.Pointer(r))
	var v *C.ccverify_verdict
	if err := statusError(C.ccverify_verify_report(r, rLen, o, &v)); err != nil {
		return nil, err
	}
	return takeVerdict(v), nil
}

// VerifyBundle re-verifies an evidence bundle offline: now under the default preset unless
// options (nil for the defaults) say otherwise — never under the bundle's own time or policy
// unless asked for (AtRecorded, PolicyRecorded). A bundle that cannot be read is an
// ErrInvalidArgument error; bad evidence inside it is a verdict with failed checks.
func VerifyBundle(bundle []byte, options *BundleOptions) (*Verdict, error) {
	opts, err := options.optionsJSON()
	if err != nil {
		return nil, err
	}
	return VerifyBundleJSON(bundle, opts)
}

// VerifyBundleJSON is VerifyBundle with the options as JSON text ("" for the defaults, or an
// object with "at" and "policy" as for VerifyReportJSON, either also "recorded").
func VerifyBundleJSON(bundle []byte, optionsJSON string) (*Verdict, error) {
	defer pinThread()()
	o, err := cText(optionsJSON, "options")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(o))
	b, bLen := cBytes(bundle)
	defer C.free(unsafe.Pointer(b))
	var v *C.ccverify_verdict
	if err := statusError(C.ccverify_verify_bundle(b, bLen, o, &v)); err != nil {
		return nil, err
	}
	return takeVerdict(v), nil
}

// NormalizePolicy parses a policy (JSON, TOML or a preset name: "default", "offline",
// "strict") and returns its canonical JSON, which means the same policy wherever one is read.
func NormalizePolicy(text string) (string, error) {
	defer pinThread()()
	t, err := cText(text, "policy")
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(t))
	var out *C.char
	if err := statusError(C.ccverify_policy_normalize(t, &out)); err != nil {
		return "", err
	}
	defer C.ccverify_string_free(out)
	return C.GoString(out), nil
}

// StreamVerifier verifies a stream chunk by chunk.
type StreamVerifier struct{ p *C.ccverify_stream_verifier }

// NewStreamVerifier starts a stream verification; call Close when done.
func NewStreamVerifier(request []byte, expected string) (*StreamVerifier, error) {
	defer pinThread()()
	req, reqLen := cBytes(request)
	defer C.free(unsafe.Pointer(req))
	addr := cAddress(expected)
	defer C.free(unsafe.Pointer(addr))
	var p *C.ccverify_stream_verifier
	if err := statusError(C.ccverify_stream_verifier_new(req, reqLen, addr, &p)); err != nil {
		return nil, err
	}
	return &StreamVerifier{p: p}, nil
}

// Update feeds the next chunk and returns what to forward instead of it: the canonical
// events it completed (`data: <payload>\n\n` per data line the agent hashed).
func (s *StreamVerifier) Update(chunk []byte) ([]byte, error) {
	defer pinThread()()
	c, n := cBytes(chunk)
	defer C.free(unsafe.Pointer(c))
	var out *C.uint8_t
	var outLen C.size_t
	if err := statusError(C.ccverify_stream_verifier_update(s.p, c, n, &out, &outLen)); err != nil {
		return nil, err
	}
	return C.GoBytes(unsafe.Pointer(out), C.int(outLen)), nil
}

// Tail returns the last bytes to forward after Finish: a final unterminated event, then
// `data: [DONE]\n\n` only when the stream verified.
func (s *StreamVerifier) Tail() ([]byte, error) {
	defer pinThread()()
	var out *C.uint8_t
	var outLen C.size_t
	if err := statusError(C.ccverify_stream_verifier_tail(s.p, &out, &outLen)); err != nil {
		return nil, err
	}
	return C.GoBytes(unsafe.Pointer(out), C.int(outLen)), nil
}

// Finish returns the verdict.
func (s *StreamVerifier) Finish() (*Verdict, error) {
	defer pinThread()()
	var v *C.ccverify_verdict
	if err := statusError(C.ccverify_stream_verifier_finish(s.p, &v)); err != nil {
		return nil, err
	}
	return takeVerdict(v), nil
}

// Close frees the verifier.
func (s *StreamVerifier) Close() { C.ccverify_stream_verifier_free(s.p); s.p = nil }

// RequestStreams reports whether the io.net agent answers this request body with a stream
// (its rule: "stream" true after pydantic's lax coercion).
func RequestStreams(request []byte) bool {
	c, n := cBytes(request)
	defer C.free(unsafe.Pointer(c))
	return bool(C.ccverify_request_streams(c, n))
}

// NormalizeNonce applies the io.net agent's nonce normalisation.
func NormalizeNonce(input string) (string, error) {
	defer pinThread()()
	in := C.CString(input)
	defer C.free(unsafe.Pointer(in))
	var buf [C.CCVERIFY_NONCE_HEX_BUFFER_LEN]C.char
	if err := statusError(C.ccverify_nonce_normalize(in, &buf[0])); err != nil {
		return "", err
	}
	return C.GoString(&buf[0]), nil
}

// VerifyingWriter is an io.WriteCloser over a StreamVerifier: write the stream as received to
// it (io.Copy from the response body); the verified events, re-serialised, are written to the
// destination as they are verified — never the relayed bytes — and Close ends the stream,
// writing the tail ("data: [DONE]" only when it verified) and keeping the verdict.
type VerifyingWriter struct {
	v       *StreamVerifier
	out     io.Writer
	verdict *Verdict
}

// NewVerifyingWriter verifies a stream for the exact request bytes against expected (the
// attested address; "" = none, then nothing verifies) and hands verified events to out.
func NewVerifyingWriter(request []byte, expected string, out io.Writer) (*VerifyingWriter, error) {
	v, err := NewStreamVerifier(request, expected)
	if err != nil {
		return nil, err
	}
	return &VerifyingWriter{v: v, out: out}, nil
}

// Write feeds received bytes; it reports len(p) unless verifying or writing on failed.
func (w *VerifyingWriter) Write(p []byte) (int, error) {
	if w.v == nil {
		return 0, &Error{Code: "invalid_state", Message: "write after Close"}
	}
	events, err := w.v.Update(p)
	if err != nil {
		return 0, err
	}
	if len(events) > 0 {
		if _, err := w.out.Write(events); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Close ends the stream: the verdict is computed and the tail written. Safe to call twice.
func (w *VerifyingWriter) Close() error {
	if w.v == nil {
		return nil
	}
	defer func() { w.v.Close(); w.v = nil }()
	verdict, err := w.v.Finish()
	if err != nil {
		return err
	}
	w.verdict = verdict
	tail, err := w.v.Tail()
	if err != nil {
		return err
	}
	if len(tail) > 0 {
		_, err = w.out.Write(tail)
	}
	return err
}

// Verdict is the stream's verdict after Close (ErrInvalidState before: a partial stream has
// no verdict).
func (w *VerifyingWriter) Verdict() (*Verdict, error) {
	if w.verdict == nil {
		return nil, &Error{Code: "invalid_state", Message: "the stream has not ended: Close it first"}
	}
	return w.verdict, nil
}
