# syntax=docker/dockerfile:1
# The vibflow worker image. Build from the repository root:
#   docker build -t vibflow:0.1.0 .
# scripts/docker-build-steps.sh runs the same build steps without Docker (CI).

# ---- build: compile TypeScript and bundle the workflow code once --------------------------------
FROM node:20.18.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything the compiler includes (src, test, bench, scripts; see tsconfig.json); .dockerignore
# keeps node_modules, dist and local state out.
COPY . .
RUN npm run build \
 && node dist/scripts/bundleWorkflows.js dist/workflow-bundle.js

# ---- runtime: production dependencies, compiled code and the bundle; no sources, no dev tools ---
FROM node:20.18.1-bookworm-slim AS runtime
ENV NODE_ENV=production \
    VIBFLOW_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    VIBFLOW_METRICS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
# bin/vibflow.js runs dist/src/cli/main.js because src/ is absent from this image. Only the product
# code and the bundle are copied, not the compiled tests, benchmarks and scripts.
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
COPY bin ./bin
RUN groupadd --system --gid 10001 vibflow \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vibflow
USER 10001:10001
# Prometheus metrics (/metrics), liveness (/healthz) and readiness (/readyz).
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + (process.env.VIBFLOW_METRICS_PORT || 9464) + '/readyz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1)).setTimeout(4000, () => process.exit(1))"]
ENTRYPOINT ["node", "bin/vibflow.js"]
CMD ["worker"]
