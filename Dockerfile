# chatbot-operator image: the operator and the runtime (one image, two entry points).
# Built with `make docker-build` where a Docker engine exists (not on the dev machines here).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# The Deployment passes the entry point: dist/src/operator/main.js or dist/src/runtime/main.js.
ENTRYPOINT ["node"]
CMD ["dist/src/operator/main.js"]
