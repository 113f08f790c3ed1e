# marketplace-sandbox as a container: docker build -t marketplace-sandbox . && docker run -p 4300:4300 marketplace-sandbox
# Stage 1 compiles src/ to dist/ (tsc) with the whole dev toolchain.
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY specs ./specs
COPY scenarios ./scenarios
RUN npm ci --no-audit --no-fund

# Stage 2 installs the runtime dependencies only (pact-core for verify-pact, but no vitest, tsx,
# spectral, autocannon or the Pact consumer DSL in the image); --ignore-scripts: the build is stage 1's.
FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# Stage 3: the compiled CLI, run with plain node, and the contract.
FROM node:20.20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY specs ./specs
COPY fixtures ./fixtures
COPY scenarios ./scenarios
COPY profiles ./profiles
COPY pacts ./pacts
COPY README.md LICENSE ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# The port: docker run -e PORT=8080 -p 8080:8080 … (serve's --port defaults to PORT; the health check follows it).
ENV PORT=4300
EXPOSE 4300
# The admin token: docker run -e SANDBOX_ADMIN_TOKEN=… (empty: serve generates one and prints it in docker logs).
ENV SANDBOX_ADMIN_TOKEN=""
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/__sandbox/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/marketplace-sandbox.js"]
CMD ["serve", "--host", "0.0.0.0", "--data", "/data/state.json"]
