package runner

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

func TestProcArgsEnv(t *testing.T) {
	// A record as macOS lays it out: argc, then the strings.
	rec := func(argc uint32, tail ...string) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, argc), strings.Join(tail, "\x00")...)
	}
	apple := "executable_path=/bin/sleep\x00ptr_munge=\x00"
	for _, tt := range []struct {
		name string
		rec  []byte
		want []string
	}{
		{"path, padding, args, environment, apple strings",
			rec(2, "/bin/sleep\x00\x00\x00\x00sleep", "1000", "HOME=/Users/ada", "AZTOKEN_RUN_ID=ab12", "", apple),
			[]string{"HOME=/Users/ada", "AZTOKEN_RUN_ID=ab12"}},
		{"an argument that looks like the marker is not the environment",
			rec(2, "/bin/sh\x00sh", "AZTOKEN_RUN_ID=ab12", "PATH=/usr/bin", ""),
			[]string{"PATH=/usr/bin"}},
		{"no environment (env -i)",
			rec(1, "/bin/sleep\x00\x00sleep", "", apple),
			nil},
		{"cut short inside the arguments", rec(3, "/bin/sh\x00sh", "-c"), nil},
		{"cut short inside the environment", rec(1, "/bin/sh\x00sh", "A=1", "B=2"), []string{"A=1", "B=2"}},
		{"no path terminator", rec(0, "/bin/sh"), nil},
		{"too short for argc", []byte{1, 0}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := procArgsEnv(tt.rec); !slices.Equal(got, tt.want) {
				t.Errorf("procArgsEnv = %q, want %q", got, tt.want)
			}
		})
	}
}
