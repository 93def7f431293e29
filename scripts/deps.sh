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

if [ ${#need[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "installing Debian packages: ${need[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
go mod download
