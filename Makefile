# logateway — make targets. `make test` is what CI runs (see .ci/run).
GO        ?= go
PKGS      := ./...
# make test runs every package but the browser journeys (./e2e), which make e2e
# runs once; CI runs both.
UNIT_PKGS  = $(shell $(GO) list ./... | grep -v '/e2e$$')
BUILD     := build

.PHONY: all build test test-chart e2e bench bench-smoke fuzz lint run clean axe-core

all: build

# The release build: no symbol tables (-s -w) and without gin's msgpack codec,
# which logateway never uses: 31 MB (28 MB before the OTLP trace exporter) instead
# of ~55 MB, ~1.5 MiB less idle RSS.
build:
	$(GO) build -trimpath -tags nomsgpack -ldflags "-s -w" -o $(BUILD)/logateway ./cmd/logateway

# vet + every unit and integration test, with the race detector. Integration
# tests use the real Redis at 127.0.0.1:6379 (or LOGATEWAY_TEST_REDIS) and start
# an embedded one only when none answers (CI=true makes a missing Redis a failure).
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 15m $(UNIT_PKGS)
	$(MAKE) test-chart

# The Helm chart rendered with Helm's Go SDK and decoded strictly into the
# Kubernetes API types; its own module (deploy/helm/test) keeps Helm and
# Kubernetes out of the gateway's go.mod. -mod=mod: it builds against this
# checkout's gateway module (replace ../../..), whose new requirements would
# otherwise need a go.sum update here first.
test-chart:
	cd deploy/helm/test && $(GO) vet -mod=mod ./... && $(GO) test -mod=mod -count=1 -timeout 10m ./...

# The browser suite: Debian's Chromium (/usr/bin/chromium) through every visitor
# journey against the gateway in dev mode. Screenshots land in $(BUILD)/e2e/.
e2e:
	LOGATEWAY_E2E=1 $(GO) test -count=1 -timeout 15m -v ./e2e/...

# The benchmark harness (bare proxy vs gateway, memory and Redis stores, the
# scaling table), the micro-benchmarks of the hot pieces, and go-redis vs
# rueidis on the store's workload (bench/redisclient, a module of its own so
# go-redis stays out of go.mod). Prints the tables recorded in README.md.
bench:
	$(GO) run ./bench
	$(GO) test -run '^$$' -bench . -benchmem ./gateway/proxy/ ./gateway/trust/ ./gateway/obs/ ./gateway/
	$(GO) test -run '^$$' -bench 'ManagerLoad|CookieDecode|RecordCodec' -benchmem ./gateway/session/
	$(GO) test -run '^$$' -bench 'HeapPerSession' -benchtime 1x ./gateway/session/
	cd bench/redisclient && $(GO) test -run '^$$' -bench . -benchmem

# A short run of the harness and of the Redis client comparison, to prove they work (CI).
bench-smoke:
	$(GO) run ./bench -smoke
	cd bench/redisclient && $(GO) vet ./... && $(GO) test -count=1 -run '^$$' -bench . -benchtime 200x

# Fuzz the visitor-input parsers (not part of CI's default run).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSafeRedirect -fuzztime 60s ./gateway/trust/
	$(GO) test -run '^$$' -fuzz FuzzMatch -fuzztime 60s ./gateway/proxy/
	$(GO) test -run '^$$' -fuzz FuzzMatchTarget -fuzztime 60s ./gateway/proxy/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@latest
	$$($(GO) env GOPATH)/bin/staticcheck $(PKGS)

# Refresh the browser suite's vendored axe-core (e2e/a11y) from the npm registry.
# The file is committed: CI runs the accessibility checks without npm or network.
AXE_VERSION ?= 4.14.1
axe-core:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
	tar xzf axe-core-$(AXE_VERSION).tgz && \
	cp package/axe.min.js $(CURDIR)/e2e/a11y/axe.min.js && \
	cp package/LICENSE $(CURDIR)/e2e/a11y/axe-core.LICENSE && \
	cp package/LICENSE-3RD-PARTY.txt $(CURDIR)/e2e/a11y/axe-core.LICENSE-3RD-PARTY.txt && \
	rm -rf $$tmp && echo "axe-core $(AXE_VERSION) vendored; set a11y.Version to match"

run:
	$(GO) run ./cmd/logateway

clean:
	rm -rf $(BUILD)
