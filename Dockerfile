# chatbot-operator image: the operator, the runtime and the CLIs (one image, several entry points).
# Built with `make docker-build` where a Docker engine exists (not on the dev machines here; a
# unit test checks what can be checked without one: test/unit/dockerfile.test.ts).
# Node 24 LTS, pinned to an exact version (as the Makefile's NODE_VERSION).
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compiled JavaScript only, then the production dependencies only.
RUN npm run build && npm prune --omit=dev

FROM node:24.21.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
# Non-root (the image's `node` user, numeric so runAsNonRoot can verify it). Nothing is written
# at run time, so the root filesystem can be read-only (deploy/ sets readOnlyRootFilesystem).
USER 1000:1000
# The Deployment passes the entry point: dist/src/operator/main.js or dist/src/runtime/main.js;
# the CLIs are dist/src/cli/chatbot.js and dist/src/cli/kubectl-chatbot.js.
ENTRYPOINT ["node"]
CMD ["dist/src/operator/main.js"]
