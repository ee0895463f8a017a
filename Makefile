# livedesk — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
GO    ?= go
BIN   := bin/livedesk
BENCH_SUMMARY := $(CURDIR)/.bench-summary.tsv
export LIVEDESK_BENCH_SUMMARY := $(BENCH_SUMMARY)

.PHONY: help deps build run test test-cluster templ check-templ check-fmt vet bench fuzz screenshots

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

deps: ## install clickhouse-server, redis-server and chromium from Debian when missing
	@bash .ci/install-deps

build: ## build bin/livedesk
	$(GO) build -o $(BIN) ./cmd/livedesk

run: deps build ## start ClickHouse + Redis (.data/), the server and a simulated stream; print URLs
	$(BIN) dev

screenshots: deps ## drive the demo shop's pages in headless Chromium and write docs/*.png (the README's pictures)
	LIVEDESK_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -timeout 5m -run '^TestDemoTour$$' ./cmd/livedesk

templ: ## regenerate templ files
	$(GO) tool templ generate

check-templ: ## fail when committed *_templ.go files are stale
	@bash .ci/check-templ

check-fmt: ## fail when a hand-written Go file is not gofmt'ed
	@bash .ci/check-fmt

vet:
	$(GO) vet ./...

test: deps vet check-fmt check-templ ## vet, gofmt, templ freshness, every test on throwaway ClickHouse/Redis
	$(GO) test -count=1 -timeout 20m ./...

test-cluster: deps ## Redis Cluster (3 masters + replicas), 2 ClickHouse shards, 3 instances behind nginx: failover tests
	$(GO) test -tags cluster -count=1 -timeout 15m -run 'Cluster' -v ./hub ./cmd/livedesk

bench: deps build ## ingest, live, report and dedup-memory figures (prints numbers; no pass/fail)
	@rm -f $(BENCH_SUMMARY)
	$(BIN) bench
	$(BIN) bench-live
	$(BIN) bench-report
	$(BIN) bench-dedup
	@$(BIN) bench-summary $(BENCH_SUMMARY)

fuzz: ## fuzz every parser (events, relay lines, platform pushes, CSV/XLSX import) for FUZZ_EXECS (10M) executions each
	@bash .ci/fuzz
