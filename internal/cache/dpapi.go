package cache

import (
	"bytes"
	"encoding/base64"
	"errors"
)

// On Windows the cache key is kept in the cache directory, in a file
// named keyFileDPAPI, encrypted with DPAPI (CryptProtectData) for the
// current user: Windows derives that encryption from the user's logon
// secret, so only this user, on this machine, can decrypt it, as MSAL
// does for its token cache. The directory's access list keeps others
// from even reading the blob.
//
// This file holds the pure part, the key file's format, table-tested on
// every platform; keyring_windows.go calls DPAPI.
//
//	aztoken-cache-key dpapi 1\n
//	<base64 of the DPAPI blob>\n

const (
	keyFileDPAPI   = "cache-key.dpapi"
	dpapiKeyHeader = "aztoken-cache-key dpapi 1\n"
	// maxDPAPIFile bounds the file: a DPAPI blob of a 32-byte key is a few
	// hundred bytes.
	maxDPAPIFile = 8 << 10
)

var errKeyFile = errors.New("the key file is not an aztoken DPAPI key file")

// encodeKeyFile writes the key file for a DPAPI blob.
func encodeKeyFile(blob []byte) []byte {
	return []byte(dpapiKeyHeader + base64.StdEncoding.EncodeToString(blob) + "\n")
}

// decodeKeyFile reads the DPAPI blob out of a key file.
func decodeKeyFile(data []byte) ([]byte, error) {
	if len(data) > maxDPAPIFile {
		return nil, errKeyFile
	}
	rest, ok := bytes.CutPrefix(data, []byte(dpapiKeyHeader))
	if !ok {
		return nil, errKeyFile
	}
	line, ok := bytes.CutSuffix(rest, []byte("\n"))
	if !ok || bytes.ContainsAny(line, "\r\n") {
		return nil, errKeyFile
	}
	blob, err := base64.StdEncoding.Strict().DecodeString(string(line))
	if err != nil || len(blob) == 0 {
		return nil, errKeyFile
	}
	return blob, nil
}
