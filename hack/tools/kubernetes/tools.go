//go:build tools

// Package tools pins the control-plane binaries built by `make k8s-binaries`.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
