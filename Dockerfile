# Trace Lite image for compose.yaml: one binary, roles chosen per service.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY runtime ./runtime
COPY drivers ./drivers
COPY actors ./actors
COPY cli ./cli
COPY sql ./sql
COPY scripts ./scripts
COPY test ./test
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["up"]
