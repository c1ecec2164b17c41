# syntax=docker/dockerfile:1
# One image for every Cardflow process. Default: the api. Others by command:
#   node dist/worker/main.js      the Temporal worker
#   node dist/scripts/migrate.js  one-shot schema migration (run before api and worker)
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The Temporal CLI only serves `npm start`'s dev server; images talk to a real cluster.
ENV CARDFLOW_SKIP_TEMPORAL_CLI=1
# Manifests and the postinstall's own scripts first, so dependency layers cache across source edits.
COPY package.json package-lock.json ./
COPY scripts/install-temporal-cli.js scripts/temporal-cli-location.js scripts/
RUN npm ci --no-audit --no-fund
COPY . .
# tsc to dist/, then the prebuilt workflow bundle dist/workflow-bundle.js
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV CARDFLOW_SKIP_TEMPORAL_CLI=1
COPY package.json package-lock.json ./
COPY scripts/install-temporal-cli.js scripts/temporal-cli-location.js scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The console's static files; the api serves them at /console.
COPY --from=build /app/admin-ui/dist ./admin-ui/dist
# Workers load the prebuilt bundle instead of running webpack at start-up.
ENV TZ=UTC NODE_ENV=production WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
# Files stay root-owned, so the app cannot modify its own code.
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
