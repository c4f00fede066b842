# Build tags: see DESIGN.md (no gpgme, no btrfs, no devicemapper); seccomp: buildah filters RUN steps (libseccomp, as podman builds).
TAGS := containers_image_openpgp,exclude_graphdriver_btrfs,exclude_graphdriver_devicemapper,seccomp
export GOFLAGS := -tags=$(TAGS)
# Go lives in /usr/local/go on a fresh machine and may not be on PATH yet.
export PATH := $(PATH):/usr/local/go/bin
VERSION ?= 0.1.0
# The build time (SOURCE_DATE_EPOCH for reproducible builds) and commit that
# `pier version` reports, set the way podman's Makefile sets them.
BUILD_TIME := $(or $(BUILD_TIME),$(SOURCE_DATE_EPOCH),$(shell date +%s))
GIT_COMMIT := $(shell git rev-parse HEAD 2>/dev/null)$(if $(shell git status --porcelain --untracked-files=no 2>/dev/null),-dirty)
VPKG := github.com/pier-engine/pier/internal/version
LDFLAGS := -X $(VPKG).Version=$(VERSION) -X $(VPKG).buildTime=$(BUILD_TIME) -X $(VPKG).gitCommit=$(GIT_COMMIT)

.PHONY: build test demo deps clean lint bench bench-network bench-build bench-exec compat compat-check

# The monitor is built static (no cgo, no libc mapped): it lives as long as
# its container, and every page it maps is in its RSS. pier-quadlet (the
# systemd generator) is static too: it runs early at boot. pier-copier
# (buildah's copier child, see cmd/pier-copier) is static and small: a
# build starts dozens of them.
#
# bin/pier is the lifecycle binary (the pierslim tag leaves out pulling,
# building, committing and the REST API); it hands every other command to
# bin/pier-full, the same sources built whole (docs/decisions.md, "Two
# binaries"). Both must sit side by side.
build:
	go build -tags=$(TAGS),pierslim -ldflags "$(LDFLAGS)" -o bin/pier ./cmd/pier
	go build -ldflags "$(LDFLAGS)" -o bin/pier-full ./cmd/pier
	CGO_ENABLED=0 go build -ldflags "-s -w $(LDFLAGS)" -trimpath -o bin/pier-monitor ./cmd/pier-monitor
	CGO_ENABLED=0 go build -ldflags "-s -w $(LDFLAGS)" -trimpath -o bin/pier-quadlet ./cmd/pier-quadlet
	CGO_ENABLED=0 go build -ldflags "-s -w" -trimpath -o bin/pier-copier ./cmd/pier-copier

test: build
	go test -count=1 -timeout 60m ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go vet -tags=$(TAGS),pierslim ./cmd/pier

clean:
	rm -rf bin

# First run on a fresh Debian 12 machine (installs missing packages, builds,
# imports a busybox image, runs a container).
demo:
	hack/demo.sh

deps:
	hack/deps.sh

# pier vs podman side by side; writes bench/RESULTS.md.
bench: build
	bench/run.sh

# pier vs podman on a bridge with -p; WRITE=1 records it in bench/RESULTS.md.
bench-network: build
	bench/network.sh

# exec CTR true and cp of 100 MiB in and out, pier vs podman; WRITE=1 records it in bench/RESULTS.md.
bench-exec: build
	bench/exec.sh

# pier build vs podman build (cold and cached); WRITE=1 records it in bench/RESULTS.md.
bench-build: build
	bench/build.sh

# podman's own system tests against bin/pier (make compat FILES='030-run.bats 040-ps.bats');
# compat-check fails when a test of test/compat/passing.txt no longer passes.
compat: build
	hack/compat.sh $(FILES)

compat-check: build
	hack/compat.sh --check
