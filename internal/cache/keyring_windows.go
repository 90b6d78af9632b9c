package cache

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/aztoken/aztoken/internal/env"
)

// newKeyStore is a DPAPI-protected file in the cache directory on
// Windows (see dpapi.go).
func newKeyStore(_ context.Context, _, dir string, _ env.Env) keyStore {
	return dpapiFile{dir: dir}
}

type dpapiFile struct{ dir string }

// dpapiEntropy is mixed into the protection, so that another program of
// the same user that calls CryptUnprotectData on the blob without it
// gets nothing.
const dpapiEntropy = "aztoken cache key v1"

func (dpapiFile) name() string { return "DPAPI" }

func (f dpapiFile) where() string {
	return "key in " + filepath.Join(f.dir, keyFileDPAPI) + ", protected with DPAPI for the current user"
}

// find reads and decrypts the key file. A file that is missing, not ours,
// malformed, or that DPAPI will not decrypt for this user (copied from
// another user or machine) is reported as no key, so a new one replaces it.
func (f dpapiFile) find() ([]byte, bool, error) {
	data, err := readTrusted(filepath.Join(f.dir, keyFileDPAPI))
	if err != nil {
		return nil, false, nil
	}
	blob, err := decodeKeyFile(data)
	if err != nil {
		return nil, false, nil
	}
	key, err := dpapi(blob, false)
	if err != nil || len(key) != keySize {
		return nil, false, nil
	}
	return key, true, nil
}

func (f dpapiFile) create() ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	blob, err := dpapi(key, true)
	if err != nil {
		return nil, err
	}
	if err := writePrivate(f.dir, keyFileDPAPI, encodeKeyFile(blob)); err != nil {
		return nil, err
	}
	return key, nil
}

// dpapi protects (CryptProtectData) or unprotects data for the current
// user, with aztoken's entropy and no user interface ever.
func dpapi(data []byte, protect bool) ([]byte, error) {
	if len(data) == 0 {
		return nil, errors.New("nothing to protect")
	}
	in := windows.DataBlob{Size: uint32(len(data)), Data: &data[0]}
	ent := []byte(dpapiEntropy)
	entropy := windows.DataBlob{Size: uint32(len(ent)), Data: &ent[0]}
	var out windows.DataBlob
	var err error
	if protect {
		name, _ := windows.UTF16PtrFromString("aztoken cache key")
		err = windows.CryptProtectData(&in, name, &entropy, 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out)
	} else {
		err = windows.CryptUnprotectData(&in, nil, &entropy, 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("DPAPI: %w", err)
	}
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
	return append([]byte(nil), unsafe.Slice(out.Data, out.Size)...), nil
}

// writePrivate replaces dir/name with data atomically: a temporary file
// (created 0600, or with the directory's private ACL on Windows), fsync,
// rename. It is for the few files that are not entries, such as the
// DPAPI-protected key.
func writePrivate(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, tempPrefix+"key-*")
	if err != nil {
		return fmt.Errorf("cannot write to the cache directory: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = replaceFile(dir, filepath.Base(tmp), name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	return nil
}
