package ccverify

/*
#include <stdlib.h>
#include "ccverify.h"
*/
import "C"

import (
	"encoding/json"
	"unsafe"
)

// AuditOptions are the options of AuditJSONL: how the bundles the log names are re-verified
// (each once) and where they are read from. The zero value (or nil) verifies bundles now under
// the default preset, read relative to the current directory.
type AuditOptions struct {
	// Bundles is how each bundle is re-verified: its time and policy, as for VerifyBundle.
	Bundles BundleOptions
	// BundleDir is the directory relative bundle paths are read from ("" = the current one).
	BundleDir string
}

func (o *AuditOptions) optionsJSON() (string, error) {
	if o == nil {
		return "", nil
	}
	text, err := o.Bundles.optionsJSON()
	if err != nil {
		return "", err
	}
	doc := map[string]any{}
	if text != "" {
		if err := json.Unmarshal([]byte(text), &doc); err != nil {
			return "", &Error{Code: "internal", Message: err.Error()}
		}
	}
	setText(doc, "bundle_dir", o.BundleDir)
	return marshal(doc)
}

// ExchangeResult is one recorded exchange's audit result.
type ExchangeResult struct {
	// ID is the record's id.
	ID string `json:"id"`
	// Verified says the reply is signed by the record's key over exactly its bytes (and the key
	// did not come from a bundle that failed).
	Verified bool `json:"verified"`
	// Key is where the key came from: "attested" (a bundle that verified, nothing relaxed about
	// its key), "caveated" (a bundle that verified, its key resting on a warning such as io.net
	// not binding it into hardware evidence), "named" (the record's own address, attested by
	// nothing here) or "none".
	Key string `json:"key"`
	// Failed are the ids of the checks that failed or were skipped.
	Failed []string `json:"failed"`
	// Warnings are the ids of the checks that warned.
	Warnings []string `json:"warnings"`
	// Signer is the address recovered from the signature ("" when none could be).
	Signer string `json:"signer"`
	// RequestHash and ResponseHash are the SHA-256 (hex) of the bytes, as the agent hashes them.
	RequestHash  string `json:"request_hash"`
	ResponseHash string `json:"response_hash"`
	// Source is where the record came from ("log:LINE").
	Source string `json:"source"`
}

// BadLine is a line of a log that is not a record.
type BadLine struct {
	// Source is "log:LINE".
	Source string `json:"source"`
	// Line is the 1-based line number.
	Line int `json:"line"`
	// Reason says why the line is not a record.
	Reason string `json:"reason"`
}

// AuditSummary counts what an audit found.
type AuditSummary struct {
	// Exchanges is the number of records (bad lines are not exchanges).
	Exchanges int `json:"exchanges"`
	// Verified and NotVerified split them.
	Verified    int `json:"verified"`
	NotVerified int `json:"not_verified"`
	// BadLines are the lines that are not records; they never stop an audit.
	BadLines []BadLine `json:"bad_lines"`
	// Bundles says what the bundles named gave: how many verified, how many not, and why not.
	Bundles struct {
		Verified    int      `json:"verified"`
		NotVerified int      `json:"not_verified"`
		Failures    []string `json:"failures"`
	} `json:"bundles"`
	// Keys counts records by where their key came from.
	Keys map[string]int `json:"keys"`
	// DuplicateIDs counts records whose id an earlier record already had.
	DuplicateIDs int `json:"duplicate_ids"`
	// FailedChecks counts, per check id, the records it failed (or skipped) in.
	FailedChecks map[string]int `json:"failed_checks"`
}

// Clean reports an audit with at least one exchange, every one verified, and no bad line.
func (s *AuditSummary) Clean() bool {
	return s.Exchanges > 0 && s.Verified == s.Exchanges && len(s.BadLines) == 0
}

// AuditReport is what AuditJSONL returns: the summary and one result per record, in order.
type AuditReport struct {
	Summary AuditSummary     `json:"summary"`
	Results []ExchangeResult `json:"results"`
}

// AuditJSONL audits a JSON Lines log of recorded exchanges (the README's format: one exchange
// per line, held to its "address" or to the attested key of its "bundle") on every core. Lines
// that are not records are reported in Summary.BadLines, never an error. Errors are
// ErrInvalidArgument for options the core refuses.
func AuditJSONL(log []byte, options *AuditOptions) (*AuditReport, error) {
	opts, err := options.optionsJSON()
	if err != nil {
		return nil, err
	}
	defer pinThread()()
	o, err := cText(opts, "options")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(o))
	b, bLen := cBytes(log)
	defer C.free(unsafe.Pointer(b))
	var out *C.char
	if err := statusError(C.ccverify_audit_jsonl(b, bLen, o, &out)); err != nil {
		return nil, err
	}
	defer C.ccverify_string_free(out)
	var report AuditReport
	if err := json.Unmarshal([]byte(C.GoString(out)), &report); err != nil {
		return nil, &Error{Code: "internal", Message: "the audit report does not parse: " + err.Error()}
	}
	return &report, nil
}
