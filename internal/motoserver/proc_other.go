//go:build !linux

package motoserver

import "os/exec"

func dieWithParent(*exec.Cmd) {}
