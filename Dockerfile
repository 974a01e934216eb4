# syntax=docker/dockerfile:1
# One image for every gateway service; docker-compose.yml picks the entry with `command`.
# There is no build step: TypeScript is transpiled at load by esbuild (`node --import ./scripts/runtime/register.mjs <entry>.ts`).

# Only the package manifests, so the `npm ci` layer below is reused until a package.json or the lock changes.
FROM node:20-slim AS manifests
WORKDIR /app
COPY services ./services
RUN find services -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

FROM node:20-slim AS deps
WORKDIR /app
ENV npm_config_update_notifier=false
COPY package.json package-lock.json .npmrc ./
COPY --from=manifests /app/services ./services
# Full install: esbuild (a root devDependency) is the runtime TypeScript loader.
RUN npm ci && npm cache clean --force

FROM node:20-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    GATEWAY_CONFIG=/app/infra/config/gateway.yaml
COPY --from=deps /app ./
COPY . .
# Embedded mode keeps its PGlite database in .data/; the image runs as the unprivileged `node` user.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
# Default: the whole gateway in one process (embedded mode). Compose runs one service per container instead.
CMD ["node", "--import", "./scripts/runtime/register.mjs", "services/gateway/src/main.ts"]
