# aztoken's build. `make test` is what CI runs; see README.md.
GO        ?= go
BIN       ?= bin/aztoken
PREFIX    ?= /usr/local
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
ACTIONLINT ?= $(shell $(GO) env GOPATH)/bin/actionlint
DEADCODE  ?= $(shell $(GO) env GOPATH)/bin/deadcode
FUZZTIME  ?= 30s
# The targets every package must build, vet and compile its tests for.
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
# How long the Entra fake waits before each answer in the cold-token
# latency benchmark (make bench LATENCY=100ms).
LATENCY   ?= 40ms
IMAGE     ?= aztoken:local
# make image's build context: the binary and the CA bundle, nothing else.
IMAGE_CONTEXT ?= bin/image
# The build machine's CA certificates (Debian, Ubuntu, Alpine; Fedora, RHEL;
# macOS, the BSDs), copied into the image.
CA_BUNDLE ?= $(firstword $(wildcard /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem))
COMMIT    := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X github.com/aztoken/aztoken/internal/cli.commit=$(COMMIT)
# Every test and benchmark refuses to dial anything but loopback.
export AZTOKEN_LOOPBACK_ONLY = 1

.PHONY: all build image test-containers test-prereqs test test-windows test-short lint staticcheck actionlint deadcode install bench fuzz fuzz-short completions check-completions man demo clean cross dist release-check

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/aztoken

# aztoken's image, FROM scratch (see Dockerfile): `make build`'s static
# binary, built for Linux on the Docker engine's architecture (so that it
# also works with Docker Desktop on macOS and Windows, arm64 included), and
# the CA bundle. Nothing is pulled.
image:
	@test -n "$(CA_BUNDLE)" || { echo "make image: no CA certificate bundle found; set CA_BUNDLE=/path/to/ca-certificates.crt"; exit 1; }
	@arch=$$(docker version --format '{{.Server.Arch}}') || { echo "make image: no Docker engine answers; start one (see docs/containers.md)"; exit 1; }; \
		rm -rf $(IMAGE_CONTEXT) && mkdir -p $(IMAGE_CONTEXT)/etc/ssl/certs && \
		GOOS=linux GOARCH=$$arch $(MAKE) --no-print-directory build BIN=$(IMAGE_CONTEXT)/linux/$$arch/aztoken && \
		cp $(CA_BUNDLE) $(IMAGE_CONTEXT)/etc/ssl/certs/ca-certificates.crt && \
		docker build -q -f Dockerfile --build-arg TARGETPLATFORM=linux/$$arch -t $(IMAGE) $(IMAGE_CONTEXT)

# Real containers: aztoken serve and its relay with unmodified Azure SDK
# clients, on internal link-local docker networks (internal/containertest).
# Needs a Docker engine (.ci/docker-engine start) and root for iptables;
# here a missing engine fails the run instead of skipping it.
test-containers:
	AZTOKEN_CONTAINER_TESTS=require $(GO) test -count=1 -v -timeout 15m ./internal/containertest/

# What make test needs besides Go and make, checked first so that a fresh
# machine fails with a sentence rather than halfway: the modules, the
# test-only ones included (fetched here; nothing is fetched when the module
# cache has them), and cgo with a C compiler, which -race needs.
test-prereqs:
	@cc=$$($(GO) env CC); cgo=$$($(GO) env CGO_ENABLED); \
	if ! command -v "$${cc%% *}" >/dev/null || [ "$$cgo" != 1 ]; then \
		echo "make test: go test -race needs cgo and a C compiler; '$$cc' is not installed or CGO_ENABLED=$$cgo."; \
		echo "Install gcc (Debian, Ubuntu: apt-get install gcc; Fedora: dnf install gcc; macOS: xcode-select --install), or run make test-short, which does not use -race."; \
		exit 1; \
	fi
	$(GO) mod download

# cmd/aztoken runs the built command thousands of times; under -race on a
# busy 2-core machine it took close to go test's default 10 minutes, so the
# bound is set here rather than left to the default.
test: test-prereqs
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

# The whole suite for windows/amd64, run under Wine (.ci/wine-tests says
# how; README.md says what only a real Windows machine can show).
test-windows:
	.ci/wine-tests

test-short:
	$(GO) test -short ./...

lint: staticcheck actionlint deadcode
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(ACTIONLINT)

# No function in the shipped binary's packages that only tests reach:
# deadcode's roots are cmd/aztoken's main alone, so a function it reports
# for Linux, Windows and macOS alike is there for tests (or for nothing).
# .ci/deadcode-allow lists the few kept on purpose, with the reason.
deadcode:
	@test -x $(DEADCODE) || $(GO) install golang.org/x/tools/cmd/deadcode@v0.51.0
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for os in linux windows darwin; do \
		GOOS=$$os $(DEADCODE) ./cmd/aztoken > "$$tmp/$$os.out"; \
		sed -E 's/:[0-9]+:[0-9]+:/:/' "$$tmp/$$os.out" | sort > "$$tmp/$$os"; \
	done; \
	grep -v '^#' .ci/deadcode-allow | grep . | sort > "$$tmp/allow"; \
	comm -12 "$$tmp/linux" "$$tmp/windows" | comm -12 - "$$tmp/darwin" | comm -23 - "$$tmp/allow" > "$$tmp/dead"; \
	if [ -s "$$tmp/dead" ]; then \
		echo "deadcode: only tests reach these functions of the shipped packages; delete them or move them into a _test.go file (or, with a reason, into .ci/deadcode-allow):"; \
		cat "$$tmp/dead"; exit 1; \
	fi

staticcheck:
	@test -x $(STATICCHECK) || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

# actionlint checks .github/workflows (the GitHub Actions CI on Linux,
# macOS and Windows).
actionlint:
	@test -x $(ACTIONLINT) || $(GO) install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

# Build, vet and compile the tests (go test -c links them) for every
# platform. Nothing runs: only Linux tests run here.
cross:
	@set -e; out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	for p in $(PLATFORMS); do \
		echo "cross $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build -o "$$out/" ./cmd/aztoken; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) vet ./...; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) test -c -o "$$out/" ./... >/dev/null; \
		rm -rf "$$out"/*; \
	done

# Everything a release makes (.goreleaser.yaml), in dist/, without
# publishing anything: the archives for every platform with checksums, the
# .deb/.rpm/.apk packages, the Homebrew cask, the Scoop and winget manifests
# and, where docker buildx is installed, the images. .ci/package-tests then
# installs and checks them.
GORELEASER ?= $(shell command -v goreleaser 2>/dev/null || echo $(shell $(GO) env GOPATH)/bin/goreleaser)
GORELEASER_VERSION = v2.15.1
dist:
	@test -x $(GORELEASER) || { echo "goreleaser not found: go install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)"; exit 1; }
	@skip=; if ! docker buildx version >/dev/null 2>&1; then \
		echo "make dist: WARNING: docker buildx is not installed, so the release images are NOT built (make image builds this machine's)."; \
		skip=--skip=docker; \
	fi; \
	echo $(GORELEASER) release --snapshot --clean $$skip; \
	$(GORELEASER) release --snapshot --clean $$skip

release-check:
	@test -x $(GORELEASER) || { echo "goreleaser not found: go install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)"; exit 1; }
	$(GORELEASER) check

# Installs the binary to $(DESTDIR)$(PREFIX)/bin (default /usr/local/bin)
# and the man pages to $(DESTDIR)$(PREFIX)/share/man/man1.
install: build
	install -d '$(DESTDIR)$(PREFIX)/bin' '$(DESTDIR)$(PREFIX)/share/man/man1'
	install -m 0755 '$(BIN)' '$(DESTDIR)$(PREFIX)/bin/aztoken'
	# docker runs its credential helper as docker-credential-aztoken: the
	# same binary, which picks the helper by the name it was run by. A
	# relative link, or a copy where links cannot be made (MSYS on Windows).
	ln -sf aztoken '$(DESTDIR)$(PREFIX)/bin/docker-credential-aztoken' 2>/dev/null || \
		install -m 0755 '$(BIN)' '$(DESTDIR)$(PREFIX)/bin/docker-credential-aztoken'
	install -m 0644 docs/man/*.1 '$(DESTDIR)$(PREFIX)/share/man/man1/'

# The packages' micro-benchmarks, then internal/bench: aztoken side by side
# with its peers as child processes (docs/benchmarks.md). internal/bench sets
# its own number of runs (-rounds, -slowrounds), so it needs one iteration.
# Item 8 delays every Entra request by LATENCY, as a far Entra ID would.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $$($(GO) list ./... | grep -v '/internal/bench$$')
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 ./internal/bench/ -args -latency=$(LATENCY)

# Each fuzz target runs for FUZZTIME (CI uses a few seconds).
# A run that fails is tried once more: on a loaded machine the fuzzing
# engine can give up starting its workers ("context deadline exceeded");
# a real crasher is saved under testdata/fuzz and fails the second run too.
fuzz:
	@for spec in $$($(GO) run ./internal/tools/fuzzlist); do \
		pkg=$${spec%%:*}; fn=$${spec##*:}; \
		echo "fuzz $$pkg $$fn"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

fuzz-short:
	$(MAKE) fuzz FUZZTIME=3s

# Written through a temporary file so a failed run never leaves a script empty.
completions: build
	@mkdir -p completions
	@for pair in bash:aztoken.bash zsh:_aztoken fish:aztoken.fish powershell:aztoken.ps1; do \
		shell=$${pair%%:*}; file=completions/$${pair##*:}; \
		$(BIN) completion $$shell > $$file.tmp && mv $$file.tmp $$file || { rm -f $$file.tmp; exit 1; }; \
	done

check-completions: completions
	@git diff --exit-code -- completions/ || (echo "completions/ is stale: run 'make completions' and commit"; exit 1)

man:
	$(GO) run ./internal/tools/genman docs/man

# The quick start: no Azure account needed. Starts the emulator on loopback,
# gets a token and says who it is for, then stops the emulator.
demo: build
	@set -e; dir=$$(mktemp -d); trap 'kill $$pid 2>/dev/null; rm -rf "$$dir"' EXIT; \
	printf 'demo-secret-%s\n' "$$$$" > "$$dir/secret"; \
	$(BIN) serve --emulate --addr 127.0.0.1:0 --secret-file "$$dir/secret" --print-env env-file --quiet \
		> "$$dir/env" 2> "$$dir/serve.log" & pid=$$!; \
	for i in $$(seq 100); do grep -q '^IDENTITY_HEADER=' "$$dir/env" 2>/dev/null && break; sleep 0.05; done; \
	endpoint=$$(sed -n 's/^IDENTITY_ENDPOINT=//p' "$$dir/env" | sed 's/host.docker.internal/127.0.0.1/'); \
	header=$$(sed -n 's/^IDENTITY_HEADER=//p' "$$dir/env"); \
	echo "== aztoken serve --emulate is listening at $$endpoint"; \
	echo "== aztoken get --source mi -o json (token shortened)"; \
	IDENTITY_ENDPOINT=$$endpoint IDENTITY_HEADER=$$header AZTOKEN_NO_CACHE=1 $(BIN) get --source mi -o json \
		| sed -E 's/"accessToken":"(.{24})[^"]*"/"accessToken":"\1..."/'; \
	echo "== aztoken whoami --source mi"; \
	IDENTITY_ENDPOINT=$$endpoint IDENTITY_HEADER=$$header AZTOKEN_NO_CACHE=1 $(BIN) whoami --source mi

clean:
	rm -rf bin dist
