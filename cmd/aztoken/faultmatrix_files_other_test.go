//go:build !unix

package main

// fmFileDoc is empty where the file rows cannot run (no FIFOs, no
// /dev/zero); docs/fault-matrix.md is generated on Linux.
func fmFileDoc() string { return "" }

// fmSignalDoc is empty where the signal rows cannot run.
func fmSignalDoc() string { return "" }
