package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccverify/ccverify/go"
)

func exampleDir(t *testing.T) string {
	root := os.Getenv("CCVERIFY_ROOT")
	if root == "" {
		root = filepath.Join("..", "..")
	}
	return filepath.Join(root, "examples", "exchanges", "01-n1_plain")
}

func TestGenuineReplyVerifies(t *testing.T) {
	v, err := verifyDir(exampleDir(t))
	if err != nil || !v.Verified {
		t.Fatalf("the recorded reply must verify: %v %+v", err, v)
	}
	if !strings.EqualFold(v.Signer, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23") {
		t.Fatalf("signer %q", v.Signer)
	}
}

func TestTamperedReplyFails(t *testing.T) {
	dir := t.TempDir()
	src := exampleDir(t)
	for _, name := range []string{"request.json", "response.json", "headers.json", "expected_address.txt"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "response.json" {
			b = []byte(strings.Replace(string(b), "Hello", "Jello", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	v, err := verifyDir(dir)
	if err != nil || v.Verified {
		t.Fatalf("a changed reply must not verify: %v %+v", err, v)
	}
	failed := map[string]bool{}
	for _, c := range v.Checks {
		if c.Status == "fail" {
			failed[c.ID] = true
		}
	}
	if !failed["response.response_hash"] {
		t.Fatalf("the response hash check must fail: %+v", v.Checks)
	}
}

func TestErrorsCarryStableCodes(t *testing.T) {
	_, err := ccverify.NormalizeNonce("")
	if !errors.Is(err, ccverify.ErrInvalidNonce) {
		t.Fatalf("want invalid_nonce, got %v", err)
	}
}
