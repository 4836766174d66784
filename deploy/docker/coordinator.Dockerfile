# syntax=docker/dockerfile:1
# The imgswarm coordinator: REST API + level store + embedded seed, as a non-root container.
# Build from the repository root:
#   docker build -f deploy/docker/coordinator.Dockerfile -t imgswarm-coordinator .
# Run (state in a volume, tokens from the environment):
#   docker run -d -p 7700:7700 -p 7701:7701 -v imgswarm-coordinator:/var/lib/imgswarm \
#     -e IMGSWARM_ADMIN_TOKEN=… -e IMGSWARM_ENROLMENT_TOKEN=… imgswarm-coordinator
# Images to publish: mount them read-only (e.g. -v /srv/images:/srv/images:ro) and publish from
# inside the container, so that the registered source path is the one the embedded seed reads:
#   docker exec -e IMGSWARM_COORDINATOR=http://127.0.0.1:7700 <container> node /opt/imgswarm/apps/cli/dist/main.js \
#     publish /srv/images/win11.wim --name win11-iot --version 2026.11 --data-dir /var/lib/imgswarm

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every project compiled to dist/ with SWC (`npm run build`): plain JavaScript at
# run time, no TypeScript loader
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm run build \
 && for project in libs/* apps/cli; do mkdir -p "/out/$project" && cp -r "$project/dist" "/out/$project/"; done

# ---- deps: production dependencies only (workspace links and nested node_modules included),
# sources and tools dropped
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY . .
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf tools node_modules/@imgswarm/bench node_modules/@imgswarm/swarm-bench \
 && find libs apps -mindepth 2 -maxdepth 2 \( -name src -o -name e2e -o -name bin \) -exec rm -rf {} +

# ---- runtime: only what the command needs, as the unprivileged `node` user (uid 1000)
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    IMGSWARM_LOG_LEVEL=info \
    MALLOC_ARENA_MAX=2
WORKDIR /opt/imgswarm
COPY --from=deps /src/package.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY --from=deps /src/libs ./libs
COPY --from=deps /src/apps ./apps
COPY --from=build /out/ ./
RUN mkdir -p /var/lib/imgswarm && chown node:node /var/lib/imgswarm && chmod 0700 /var/lib/imgswarm
USER node
VOLUME ["/var/lib/imgswarm"]
# 7700: REST API, /healthz, /metrics; 7701: the embedded seed (libp2p TCP)
EXPOSE 7700 7701
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:7700/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node flags and environment (MALLOC_ARENA_MAX above) from apps/cli/node-runtime.json: bounded resident memory
ENTRYPOINT ["node", "--max-semi-space-size=2", "--initial-old-space-size=32", "/opt/imgswarm/apps/cli/dist/main.js"]
CMD ["coordinator", "--data-dir", "/var/lib/imgswarm", "--host", "0.0.0.0", "--port", "7700", "--listen", "/ip4/0.0.0.0/tcp/7701", "--log-format", "json"]
