#!/usr/bin/env bash
# Installs the ONNX Runtime shared library that runtime/ort loads at run
# time into third_party/onnxruntime/lib/ (git-ignored), unless the pinned
# version is already there. The library comes from the npm package
# onnxruntime-node, whose tarball ships it for linux x64 (fetched from the
# npm registry with curl, or with npm pack when curl is missing); it is
# checked against a pinned SHA-256.
#
# Version: 1.24.3, the newest patch release of the ONNX Runtime whose C API
# headers (ORT_API_VERSION 24) github.com/yalue/onnxruntime_go v1.26.0 is
# built against. To change it, change ORT_VERSION and ORT_SHA256 together
# (sha256sum of bin/napi-v6/linux/x64/libonnxruntime.so.1 in the tarball)
# and the version in runtime/ort/lib.go.
set -euo pipefail

ORT_VERSION=1.24.3
ORT_SHA256=92ba8e44d31b80a34f5e805076a044122c3be1fffe0d88ed790de7267b0b2682
member=package/bin/napi-v6/linux/x64/libonnxruntime.so.1

cd "$(dirname "$0")/.."
dir=third_party/onnxruntime/lib
lib=$dir/libonnxruntime.so.1
if [ -f "$lib" ] && [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$ORT_VERSION" ] &&
	echo "$ORT_SHA256  $lib" | sha256sum --check --quiet >/dev/null 2>&1; then
	exit 0
fi
if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
	echo "ort.sh: no pinned ONNX Runtime for $(uname -s)/$(uname -m); set VDVAE_ORT_LIB to a libonnxruntime.so of version $ORT_VERSION or newer" >&2
	exit 1
fi

echo "installing ONNX Runtime $ORT_VERSION (npm onnxruntime-node) into $dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
registry=${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}
tgz=onnxruntime-node-$ORT_VERSION.tgz
if command -v curl >/dev/null; then
	curl -fsSL --retry 3 -o "$tmp/$tgz" "${registry%/}/onnxruntime-node/-/$tgz"
else
	(cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
fi
tar -xzf "$tmp/$tgz" -C "$tmp" "$member"
echo "$ORT_SHA256  $tmp/$member" | sha256sum --check --quiet
mkdir -p "$dir"
install -m 0644 "$tmp/$member" "$lib.tmp"
mv "$lib.tmp" "$lib"
echo "$ORT_VERSION" >"$dir/VERSION"
