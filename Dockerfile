# syntax=docker/dockerfile:1
# Rotor's container image: the standalone Next.js server (`output: "standalone"`, what `npm run build` makes)
# and the bundled scheduler worker, on Node.js 24 LTS, as an unprivileged user.
#
#   docker build -t rotor --build-arg ROTOR_BUILD_COMMIT=$(git rev-parse --short=12 HEAD) .
#   docker run -p 3000:3000 -v rotor-data:/data rotor          # embedded store in /data
#   docker run ... rotor node worker.js                        # a scheduler worker (PostgreSQL store only)
#
# The server prints the first-run setup link in its log (docker logs). Settings: .env.example; any of them
# may be read from a file with NAME_FILE (Docker secrets). compose.yaml runs Rotor with PostgreSQL and a worker.

ARG NODE_IMAGE=node:24-trixie-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ARG ROTOR_BUILD_COMMIT=unknown
ENV NEXT_TELEMETRY_DISABLED=1 ROTOR_BUILD_COMMIT=${ROTOR_BUILD_COMMIT}
COPY --from=deps /src/node_modules ./node_modules
COPY . .
# .next/standalone: server.js with what it needs, and worker.js (scripts/build.mjs).
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ARG ROTOR_BUILD_COMMIT=unknown
ARG ROTOR_VERSION=0.1.0
LABEL org.opencontainers.image.title="Rotor" \
      org.opencontainers.image.description="Self-hosted credential rotation dashboard" \
      org.opencontainers.image.version="${ROTOR_VERSION}" \
      org.opencontainers.image.revision="${ROTOR_BUILD_COMMIT}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.documentation="README.md#deploy"
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    ROTOR_BUILD_COMMIT=${ROTOR_BUILD_COMMIT} \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    ROTOR_DATA_DIR=/data \
    ROTOR_LOG_FORMAT=json
WORKDIR /app
# A fixed, unprivileged uid/gid so volume permissions and Kubernetes' runAsUser/fsGroup can name it.
RUN groupadd --system --gid 10001 rotor && useradd --system --uid 10001 --gid rotor --home-dir /app --shell /usr/sbin/nologin rotor \
 && install -d -o rotor -g rotor -m 0700 /data
COPY --from=build --chown=rotor:rotor /src/.next/standalone ./
USER rotor
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--heap-growing-percent=20", "--expose-gc", "server.js"]
