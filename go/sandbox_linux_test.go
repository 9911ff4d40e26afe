package ccverify

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills the sandbox when the test process dies without cleaning up.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
