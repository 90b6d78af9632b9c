package serve

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/resources"
)

// Server is a running (or ready) managed-identity endpoint.
type Server struct {
	opts       Options
	secret     string
	secretSum  [32]byte
	cache      *cache
	emu        *Emulator
	allow      map[string]bool
	imdsOn     bool
	imdsSecret bool
	warnings   []string
	now        func() time.Time
	stderr     io.Writer
	access     *accessLog
	hosts      hostRule
	link       clientLink // who IMDS without a secret answers besides loopback
	mapped     identityMap

	mu      sync.Mutex
	started bool
	ln      net.Listener
	conns   *connLimit
	abort   chan struct{} // closed by Abort
	aborted sync.Once
	hs      *http.Server
	done    chan struct{} // closed when the HTTP server has stopped serving
	serveEr error
}

// New checks the options and prepares a server; nothing listens until
// Start. Errors read as sentences that say what to change.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if (opts.Provider == nil) == (opts.Emulate == nil) {
		return nil, errors.New("serve needs exactly one token provider: the credential chain, or the emulator")
	}
	if opts.UpstreamTimeout <= 0 {
		opts.UpstreamTimeout = 60 * time.Second
	}
	if opts.MaxUpstream <= 0 {
		opts.MaxUpstream = DefaultMaxUpstream
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.MaxConnsPerAddr <= 0 {
		opts.MaxConnsPerAddr = perAddrFor(opts.MaxConns)
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// One listing of the interfaces, made only for a link-local address,
	// serves both the bind check and open IMDS's link.
	nets := sync.OnceValues(interfaceNets)
	warnings, err := checkBind(opts.Addr, opts.AllowRemote, opts.IMDS, nets)
	if err != nil {
		return nil, err
	}
	secret, err := loadSecret(&opts)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:      opts,
		secret:    secret,
		secretSum: sha256.Sum256([]byte(secret)),
		warnings:  warnings,
		now:       opts.Now,
		stderr:    orDiscard(opts.Stderr),
		access:    &accessLog{w: opts.AccessLog, secret: secret},
		abort:     make(chan struct{}),
	}
	host := listenHost(opts.Addr)
	if s.hosts, err = newHostRule(host, opts.AllowHosts); err != nil {
		return nil, err
	}
	if s.mapped, err = parseIdentityMap(opts.MapIdentities); err != nil {
		return nil, err
	}
	loopback := isLoopbackHost(host)
	s.imdsOn = opts.IMDS != IMDSOff
	s.imdsSecret = opts.IMDS == IMDSRequireSecret || opts.IMDS == IMDSAuto && !loopback
	if s.imdsOn && !s.imdsSecret {
		if s.link, err = linkOf(host, nets); err != nil {
			return nil, err
		}
	}
	if len(opts.AllowResources) > 0 {
		s.allow = map[string]bool{}
		for _, r := range opts.AllowResources {
			if resources.Validate(r) != nil {
				return nil, fmt.Errorf("the allowed resource %q is not a resource URI or app id; use characters A-Z, a-z, 0-9 and ._/:- only", r)
			}
			s.allow[resources.API(r)] = true
		}
	}
	provider := opts.Provider
	if opts.Emulate != nil {
		em, err := NewEmulator(*opts.Emulate, opts.Now)
		if err != nil {
			return nil, err
		}
		s.emu = em
		provider = em
	}
	s.cache = newBoundedCache(provider, opts.UpstreamTimeout, opts.Now, opts.MaxEntries, opts.MaxUpstream)
	s.cache.onError = func(_ string, err error) {
		// The error quotes the upstream (a relay's upstream, an endpoint's
		// message): no escape sequence of theirs may drive the terminal.
		fmt.Fprintf(s.stderr, "aztoken serve: refreshing a cached token failed (the cached one is served until it is 5 minutes from expiry): %s\n", human.Line(err.Error()))
	}
	return s, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// Warnings are the things New found worth saying, such as a remote bind;
// Start prints them.
func (s *Server) Warnings() []string { return append([]string(nil), s.warnings...) }

// Secret is the value clients present as IDENTITY_HEADER. Show it only
// where a client needs it (the banner, PrintEnv).
func (s *Server) Secret() string { return s.secret }

// Start listens and serves in the background, then prints the banner and
// any warnings to Options.Stderr. It returns once the listener is open.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("the server was already started")
	}
	var lc net.ListenConfig
	if s.link.dev != "" {
		// Open IMDS at a link-local address: the kernel, too, keeps
		// other links out where it can (bindlink_linux.go).
		lc.Control = bindToLink(s.link.dev)
	}
	ln, err := lc.Listen(ctx, "tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s failed: %w; pick another port, or 0 for any free one", s.opts.Addr, err)
	}
	s.started = true
	s.conns = newConnLimit(ln, s.opts.MaxConns, s.opts.MaxConnsPerAddr)
	s.ln = s.conns
	if s.emu != nil {
		s.emu.setBaseURL(s.URL())
	}
	s.hs = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      s.opts.UpstreamTimeout + 15*time.Second,
		// A client that got a token may keep its connection for a
		// while; every other answer closes it (record.WriteHeader),
		// and a connection that sends nothing is closed by
		// ReadHeaderTimeout.
		IdleTimeout:    30 * time.Second,
		MaxHeaderBytes: maxHeaderBytes,
		ErrorLog:       log.New(s.stderr, "aztoken serve: ", 0),
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.hs.Serve(s.conns); !errors.Is(err, http.ErrServerClosed) {
			s.serveEr = err
		}
	}()
	for _, w := range s.warnings {
		fmt.Fprintf(s.stderr, "aztoken serve: warning: %s\n", w)
	}
	s.printBanner(s.stderr)
	return nil
}

// Serve starts the server if it is not running, serves until ctx is
// done, then shuts down gracefully: requests in flight finish, for up to
// Options.ShutdownTimeout (10 s unless set), or until Abort. A graceful end
// returns nil.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		if err := s.Start(ctx); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
	case <-s.done:
		s.cache.close()
		return s.serveEr
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.abort:
			cancel()
		case <-sctx.Done():
		}
	}()
	return s.Shutdown(sctx)
}

// Abort makes a graceful stop under way (Serve after its context ended)
// give up waiting at once: requests in flight are cut off. A second
// SIGINT calls it.
func (s *Server) Abort() {
	s.aborted.Do(func() { close(s.abort) })
}

// Shutdown stops accepting connections and waits for the requests in
// flight to finish, or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	hs, done := s.hs, s.done
	s.mu.Unlock()
	if hs == nil {
		s.cache.close()
		return nil
	}
	if err := hs.Shutdown(ctx); err != nil {
		// Out of time: cancel the acquisitions the remaining requests
		// wait for, so that they end now, and close their connections.
		s.cache.stop()
		_ = hs.Close()
		<-done
		select {
		case <-s.abort:
			return errors.New("stopped at once: requests in flight were cut off")
		default:
		}
		return fmt.Errorf("shutting down ran out of time (%s) with requests unfinished; they were cut off: %w", s.opts.ShutdownTimeout, err)
	}
	<-done
	s.cache.close()
	return s.serveEr
}

// Addr is the address the server listens on (host:port), or "" before Start.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the server's base URL, such as http://127.0.0.1:8080.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Port is the port the server listens on.
func (s *Server) Port() int {
	if s.ln == nil {
		return 0
	}
	if a, ok := s.ln.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}
