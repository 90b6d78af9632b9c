//go:build !linux

package fakeazure

import "errors"

// Unroutable needs Linux's accept-queue behaviour; elsewhere it is not
// available and tests that use it are skipped.
type Unroutable struct{}

// NewUnroutable reports that this platform has no Unroutable.
func NewUnroutable() (*Unroutable, error) {
	return nil, errors.New("unroutable: only on Linux")
}

// URL is empty.
func (*Unroutable) URL() string { return "" }

// Close does nothing.
func (*Unroutable) Close() {}
