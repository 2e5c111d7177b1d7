# syntax=docker/dockerfile:1
# handlemeter's production image: `docker compose up --build` (docker-compose.yml) or
#   docker build -t handlemeter . && docker run -e DATABASE_URL=… -e CREDENTIALS_KEY=… -p 3000:3000 handlemeter

# ---- build: every dependency, compile, then keep only what runs
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npx nest build && npm prune --omit=dev --no-audit --no-fund

# ---- run: the compiled service and its production dependencies, as an unprivileged user
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the service; only DATA_DIR (the embedded database, when no
# DATABASE_URL is given) is writable.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# The slim image has no curl; Node 20's fetch does the same. /health is 503 while PostgreSQL is unreachable.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: stop taking connections, let calls in flight finish (up to SHUTDOWN_TIMEOUT_MS), exit.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
