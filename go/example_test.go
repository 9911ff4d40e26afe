package ccverify_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ccverify/ccverify/go"
)

// exampleDir is a recorded exchange of the repository's examples (CCVERIFY_ROOT, else "..").
func exampleDir() string {
	root := os.Getenv("CCVERIFY_ROOT")
	if root == "" {
		root = ".."
	}
	return filepath.Join(root, "examples", "exchanges", "01-n1_plain")
}

// Verify one signed reply: the exact request bytes sent, the exact response bytes and headers
// received, and the address the attestation proved.
func ExampleVerifyResponse() {
	dir := exampleDir()
	request, _ := os.ReadFile(filepath.Join(dir, "request.json"))
	response, _ := os.ReadFile(filepath.Join(dir, "response.json"))
	rawHeaders, _ := os.ReadFile(filepath.Join(dir, "headers.json"))
	address, _ := os.ReadFile(filepath.Join(dir, "expected_address.txt"))
	var headers map[string]string
	if err := json.Unmarshal(rawHeaders, &headers); err != nil {
		fmt.Println(err)
		return
	}

	verdict, err := ccverify.VerifyResponse(request, response, headers, strings.TrimSpace(string(address)))
	if err != nil {
		fmt.Println("could not verify:", err)
		return
	}
	fmt.Println("verified:", verdict.Verified)

	// One byte of the reply changed: the signature still recovers, the hash does not match.
	tampered := []byte(strings.Replace(string(response), "a", "b", 1))
	verdict, _ = ccverify.VerifyResponse(request, tampered, headers, strings.TrimSpace(string(address)))
	fmt.Println("tampered verified:", verdict.Verified)
	for _, c := range verdict.Checks {
		if c.Status == "fail" {
			fmt.Println("failed:", c.ID)
		}
	}
	// Output:
	// verified: true
	// tampered verified: false
	// failed: response.response_hash
}

// Errors that stop a call from running carry a stable code, matched with errors.Is.
func ExampleNormalizeNonce() {
	_, err := ccverify.NormalizeNonce("not hex")
	fmt.Println(err != nil)
	// Output: true
}
