# kept — see README.md. `make run` and `make test` are the two entry points.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin
PROTOC_GEN_GO_VERSION := v1.36.12
HELM_VERSION := v4.3.2
HELM_KUBE_VERSION := 1.33.0
STATICCHECK_VERSION := v0.8.2
MODULES := proto services/kit services/devenv services/commitments services/updates services/dashboards services/qa services/notifications services/reporting services/gateway services/kept tests tests/k8s
# Open questions recomputed by the calendar-change benchmark (the issue names
# 100000; on the embedded FerretDB that takes tens of minutes, see README).
QA_RECOMPUTE ?= 20000
SERVICES := commitments updates dashboards qa notifications reporting gateway

.PHONY: run build test bench proto proto-check lint fmt tools deps fuzz clean helm-lint

## run: all services in one process on embedded FerretDB (./var), loads the Canadian plan
# The demo plan is Canada's, so "today", the SLA clock and the reporting
# periods use Toronto time unless KEPT_TIMEZONE says otherwise.
run: build
	KEPT_TIMEZONE=$${KEPT_TIMEZONE:-America/Toronto} $(BIN)/kept run --data ./var --load services/commitments/testdata/canada-nap6-2025-2029.csv

## build: one binary per service plus the all-in-one `kept`
build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/kept ./services/kept/cmd/kept
	@for s in $(SERVICES); do CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/$$s ./services/$$s/cmd/$$s || exit 1; done

## deps: install what tests need from Debian when missing (redis-server, protoc)
deps:
	@bash tests/setup-deps.sh

## test: everything CI runs (deps, generated-code check, vet, unit, integration and e2e tests)
test: deps proto-check lint build
	@for m in $(MODULES); do echo "== go test $$m"; (cd $$m && $(GO) test -count=1 -timeout 20m ./...) || exit 1; done

## bench: benchmarks; prints a table and writes bench-results.json
bench: build
	cd tests && $(GO) test -run "^$$" -bench . -benchtime 1x -timeout 60m ./bench/ -args -results $(CURDIR)/bench-results.json -qa-recompute $(QA_RECOMPUTE)
	cd services/gateway && $(GO) test -run "^$$" -bench CommitmentPage -benchtime 300x -timeout 20m ./app/

fuzz:
	cd services/commitments && $(GO) test -run '^$$' -fuzz FuzzDerive -fuzztime 30s ./internal/deadline

## proto: regenerate Go code from proto/
proto: tools
	PATH="$(GOBIN_DIR):$$PATH" protoc -I proto --go_out=proto --go_opt=paths=source_relative proto/kept/events/v1/*.proto

## proto-check: fail when the committed generated code is stale
proto-check: tools
	@tmp=$$(mktemp -d); PATH="$(GOBIN_DIR):$$PATH" protoc -I proto --go_out=$$tmp --go_opt=paths=source_relative proto/kept/events/v1/*.proto; \
	if ! diff -u proto/kept/events/v1/events.pb.go $$tmp/kept/events/v1/events.pb.go >/dev/null; then \
	  echo "proto/kept/events/v1/events.pb.go is stale: run 'make proto' and commit"; rm -rf $$tmp; exit 1; fi; rm -rf $$tmp; echo "generated code is up to date"

tools:
	@command -v protoc >/dev/null || bash tests/setup-deps.sh
	@test -x $(GOBIN_DIR)/protoc-gen-go && $(GOBIN_DIR)/protoc-gen-go --version | grep -q $(PROTOC_GEN_GO_VERSION) || $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

## lint: gofmt, go vet and staticcheck on every module
lint:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done
	@test -x $(GOBIN_DIR)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@for m in $(MODULES); do (cd $$m && $(GOBIN_DIR)/staticcheck ./...) || exit 1; done

## helm-lint: helm lint --strict on charts/kept, for its defaults and each deploy/values-*.yaml (helm built from the Go module proxy)
helm-lint:
	@$(GO) version -m $(GOBIN_DIR)/helm 2>/dev/null | grep -q 'helm.sh/helm/v4[[:space:]]*$(HELM_VERSION)' || $(GO) install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)
	$(GOBIN_DIR)/helm lint --strict --kube-version $(HELM_KUBE_VERSION) charts/kept
	@for f in deploy/values-*.yaml; do echo "== helm lint -f $$f"; $(GOBIN_DIR)/helm lint --strict --kube-version $(HELM_KUBE_VERSION) -f $$f charts/kept || exit 1; done

fmt:
	gofmt -w $(MODULES)

clean:
	rm -rf $(BIN) var
