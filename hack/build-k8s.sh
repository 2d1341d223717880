#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kubectl from the pinned Go modules under hack/tools
# into bin/k8s/. A no-op when the binaries exist and their stamp matches the pins.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bin/k8s"
k8s_version=$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$root/hack/tools/kubernetes/go.mod")
etcd_version=$(awk '$1=="require" && $2=="go.etcd.io/etcd/server/v3" {print $3}' "$root/hack/tools/etcd/go.mod")
stamp="kubernetes=$k8s_version etcd=$etcd_version go=$(go env GOVERSION)"

if [[ -x "$out/etcd" && -x "$out/kube-apiserver" && -x "$out/kubectl" && -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
  echo "bin/k8s is up to date ($stamp)"
  exit 0
fi
mkdir -p "$out"
rm -f "$out/.stamp"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$(date +%s)
echo "building etcd, kube-apiserver and kubectl from Go modules into bin/k8s: this takes 5-10 minutes"
echo "on a fresh machine (modules are downloaded and compiled once; later runs take seconds)"
# A heartbeat, so a long compile never looks like a hang.
( while sleep 30; do echo "  ... still building ($(( $(date +%s) - start ))s so far)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT

echo "building etcd $etcd_version"
(cd "$root/hack/tools/etcd" && go build -trimpath -ldflags='-s -w' -o "$out/etcd" go.etcd.io/etcd/server/v3)

# Version stamps so `kubectl version` and /version report the real release.
minor=$(echo "$k8s_version" | cut -d. -f2)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
for cmd in kube-apiserver kubectl; do
  echo "building $cmd $k8s_version"
  (cd "$root/hack/tools/kubernetes" && go build -trimpath -ldflags="$ldflags" -o "$out/$cmd" "k8s.io/kubernetes/cmd/$cmd")
done
echo "$stamp" > "$out/.stamp"
echo "built bin/k8s in $(( $(date +%s) - start ))s ($stamp)"
