// Command ccverify-consumer is a user's program: it verifies one recorded reply with the
// ccverify Go module, which it requires like any dependency (make test-go builds it outside the
// repository, against the unpacked module and C SDK).
//
//	ccverify-consumer DIR   (request.json, response.json, headers.json, expected_address.txt)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ccverify/ccverify/go"
)

// verifyDir verifies the exchange recorded in dir.
func verifyDir(dir string) (*ccverify.Verdict, error) {
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	request, err := read("request.json")
	if err != nil {
		return nil, err
	}
	response, err := read("response.json")
	if err != nil {
		return nil, err
	}
	rawHeaders, err := read("headers.json")
	if err != nil {
		return nil, err
	}
	address, err := read("expected_address.txt")
	if err != nil {
		return nil, err
	}
	var headers map[string]string
	if err := json.Unmarshal(rawHeaders, &headers); err != nil {
		return nil, err
	}
	return ccverify.VerifyResponse(request, response, headers, strings.TrimSpace(string(address)))
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ccverify-consumer DIR")
		os.Exit(2)
	}
	v, err := verifyDir(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("verified:", v.Verified)
	if !v.Verified {
		os.Exit(1)
	}
}
