# syntax=docker/dockerfile:1
# The imgswarm edge agent as a non-root container.
# Build from the repository root:
#   docker build -f deploy/docker/agent.Dockerfile -t imgswarm-agent .
# Run (host network: peers on the same LAN find each other by mDNS and dial the host's address):
#   docker run -d --network host -v /var/lib/imgswarm-agent:/var/lib/imgswarm \
#     -e IMGSWARM_ENROLMENT_TOKEN=… imgswarm-agent \
#     agent --coordinator http://coordinator:7700 --label site=plant-3 --data-dir /var/lib/imgswarm \
#       --listen /ip4/0.0.0.0/tcp/7702 --mdns --metrics-port 9464 --metrics-host 0.0.0.0 --log-format json
# The active image is /var/lib/imgswarm/current inside the container (the host's data dir).

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
RUN mkdir -p /var/lib/imgswarm && chown node:node /var/lib/imgswarm && chmod 0750 /var/lib/imgswarm
USER node
VOLUME ["/var/lib/imgswarm"]
# 7702: libp2p TCP (peers and seeds); 9464: /healthz and /metrics
EXPOSE 7702 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node flags and environment (MALLOC_ARENA_MAX above) from apps/cli/node-runtime.json: bounded resident memory
ENTRYPOINT ["node", "--max-semi-space-size=2", "--initial-old-space-size=32", "/opt/imgswarm/apps/cli/dist/main.js"]
CMD ["agent", "--coordinator", "http://coordinator:7700", "--data-dir", "/var/lib/imgswarm", "--listen", "/ip4/0.0.0.0/tcp/7702", "--metrics-port", "9464", "--metrics-host", "0.0.0.0", "--log-format", "json"]
