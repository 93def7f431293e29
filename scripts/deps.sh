#!/usr/bin/env bash
# Installs what vdvae needs to build and test on Debian: the oneDNN and
# OpenBLAS libraries that the CPU backend links against, and the
# Fashion-MNIST dataset package. Skips anything already present.
set -euo pipefail

need=()
[ -f /usr/include/dnnl.h ] || need+=(libdnnl-dev)
[ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ] || need+=(libopenblas-dev)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
command -v gcc >/dev/null || need+=(gcc)
# ONNX export and ONNX Runtime (codegen/onnx, runtime/ort): the onnx checker
# for Debian's /usr/bin/python3, and curl to fetch the runtime library below.
/usr/bin/python3 -c 'import onnx' 2>/dev/null || need+=(python3-onnx)
command -v curl >/dev/null || command -v npm >/dev/null || need+=(curl ca-certificates)

if [ ${#need[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "installing Debian packages: ${need[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
"$(dirname "$0")/ort.sh"
go mod download
