package motoserver

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill moto_server if the test binary dies
// before Close, so that no emulator outlives its tests.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
