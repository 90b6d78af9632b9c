//go:build linux

package containertest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/proctest"
	"golang.org/x/sys/unix"
)

// Where the fake az's token says it is from.
const fakeTenant = "00000000-0000-0000-0000-00000000a2c0"

// fakeToken is a JWT-shaped token for the fake az to print: az login
// --identity reads its tid claim, aztoken reads its exp.
func fakeToken() string {
	enc := base64.RawURLEncoding.EncodeToString
	now := time.Now().Unix()
	payload := fmt.Sprintf(`{"aud":"https://management.azure.com","tid":%q,"oid":"00000000-0000-0000-0000-00000000a2c1","iat":%d,"nbf":%d,"exp":%d}`,
		fakeTenant, now, now, now+3600)
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(payload)) + "." + enc([]byte("aztoken container test signature"))
}

func shortSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// mode is how serve gets its tokens.
type mode struct {
	name string
	// args are serve's arguments for the mode.
	args []string
	// want is what a client's token must look like.
	want want
	// env is serve's environment beyond PATH and HOME.
	env []string
}

// modes are proxy mode (the chain's az source, a fake az on PATH) and the
// emulator.
func modes() []mode {
	tok := fakeToken()
	return []mode{
		{
			name: "proxy",
			args: []string{"--source", "az"},
			want: want{sha256: shortSum(tok)},
			env:  []string{"FAKE_AZ_TOKEN=" + tok, "FAKE_AZ_TENANT=" + fakeTenant},
		},
		{
			name: "emulate",
			args: []string{"--emulate"},
			want: want{emulated: true},
		},
	}
}

// server is `aztoken serve` running on the host.
type server struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	URL    string
	done   chan struct{}
}

// syncBuffer collects a server's stderr while the test reads it.
type syncBuffer = proctest.SyncBuffer

var listening = regexp.MustCompile(`listening on (http://[0-9.:\[\]a-f]+)`)

// user is who serve runs as: uid 0 means this process's user.
type user struct {
	uid, gid int
	groups   []uint32
	home     string
}

// startServe starts `aztoken serve` with a fake az first on PATH and
// waits for its banner; it is stopped with SIGINT when the test ends,
// and its log is checked for tokens.
func startServe(t *testing.T, a *artifacts, bin string, u user, m mode, args ...string) *server {
	t.Helper()
	fakebin := filepath.Join(a.dir, "fakebin")
	if err := os.MkdirAll(fakebin, 0o755); err != nil {
		t.Fatal(err)
	}
	az, err := os.ReadFile(filepath.Join(a.repo, "testdata", "fakebin", "az"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fakebin, "az"), az, 0o755); err != nil {
		t.Fatal(err)
	}
	home := u.home
	if home == "" {
		home = t.TempDir()
	}
	s := &server{stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, append(append([]string{"serve"}, args...), m.args...)...)
	s.cmd.Env = append([]string{
		"PATH=" + fakebin + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + home,
		// serve's own HTTP clients may dial loopback only: the chain's
		// sources must never reach a real endpoint from a test.
		"AZTOKEN_LOOPBACK_ONLY=1",
		"FAKE_AZ_LOG=" + filepath.Join(home, "az.log"),
		// For the sweep of a killed run (see sweepProcesses).
		runPIDEnv + "=" + strconv.Itoa(os.Getpid()),
	}, m.env...)
	s.cmd.Stderr = s.stderr
	s.cmd.Stdout = s.stderr
	// serve ends with this process, also when it is killed (except where
	// exec of the binary with a file capability clears the parent-death
	// signal: the next run's sweep ends that one).
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if u.uid != 0 {
		s.cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: u.groups}
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
			t.Errorf("aztoken serve did not stop within 15 s of SIGINT")
		}
		log := s.stderr.String()
		if jwtRE.MatchString(log) {
			t.Errorf("aztoken serve's log holds a token:\n%s", log)
		}
		if m.name == "proxy" && strings.Contains(log, strings.Split(fakeToken(), ".")[1][:20]) {
			t.Errorf("aztoken serve's log holds the upstream token")
		}
		if t.Failed() {
			t.Logf("aztoken serve's log:\n%s", log)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(s.stderr.String()); m != nil {
			s.URL = m[1]
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("aztoken serve %s exited at start:\n%s", strings.Join(args, " "), s.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("aztoken serve printed no banner within 30 s:\n%s", s.stderr.String())
	return nil
}

// unprivileged prepares the way docs/containers.md gives for port 80
// without root: a copy of aztoken with the file capability
// cap_net_bind_service, run by an ordinary user (nobody) with that
// user's own HOME. ok is false where the file system keeps no
// capabilities.
func unprivileged(t *testing.T, a *artifacts) (bin string, u user, ok bool) {
	t.Helper()
	bin = filepath.Join(a.dir, "aztoken-netbind")
	data, err := os.ReadFile(a.bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	// What `setcap cap_net_bind_service=+ep` writes: a version 2
	// security.capability attribute, effective, with bit 10 permitted.
	const capNetBindService = 10
	xattr := make([]byte, 20)
	putLE32(xattr[0:], 0x02000000|0x1)
	putLE32(xattr[4:], 1<<capNetBindService)
	if err := unix.Setxattr(bin, "security.capability", xattr, 0); err != nil {
		t.Logf("cannot give %s cap_net_bind_service here (%v): serve runs as root instead", bin, err)
		return a.bin, user{}, false
	}
	home := filepath.Join(a.dir, "home-nobody-"+randomHex(3))
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	u = user{uid: 65534, gid: 65534, home: home}
	// A user in the docker group, as the one who runs serve
	// --docker-network is.
	if g, err := osuser.LookupGroup("docker"); err == nil {
		if gid, err := strconv.Atoi(g.Gid); err == nil {
			u.groups = []uint32{uint32(gid)}
		}
	}
	return bin, u, true
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
