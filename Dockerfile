# ptrguard GitHub App. Build: docker build -t ptrguard .
# Run: docker run -p 3000:3000 -e APP_ID -e PRIVATE_KEY -e WEBHOOK_SECRET ptrguard
# test/ship/production-smoke.test.ts follows these steps without a Docker engine; keep them in step.

# --- build: compile TypeScript once, with the dev dependencies ---
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no native build of tree-sitter-go; ptrguard loads its WASM grammar.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY rules ./rules
# The grammar goes to wasm/ (as `npm run build` does): tree-sitter-go is a build-time dependency.
RUN npx tsc -p tsconfig.json && mkdir -p wasm && cp node_modules/tree-sitter-go/tree-sitter-go.wasm wasm/

# --- runtime: production dependencies and the compiled output only ---
# Node 24: the active LTS (Node 22 is supported too; see package.json engines).
FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9090
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/wasm ./wasm
USER node
# 3000: webhooks and health probes; 9090: /metrics (keep it off the public load balancer).
EXPOSE 3000 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/server.js"]
