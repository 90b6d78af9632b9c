//go:build !unix

package filetest

import "errors"

func mkfifo(string) error { return errors.New("this system has no FIFOs in the file system") }
