//go:build !linux

package ccverify

import "os/exec"

func dieWithParent(*exec.Cmd) {}
