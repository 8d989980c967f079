# syntax=docker/dockerfile:1
# wa-sessions: the REST API server and Debian's Chromium, run as a non-root user under tini.
#   docker build -t wa-sessions .
#   docker run -d -p 3000:3000 -e API_KEY=... -v wa-data:/data --stop-timeout 20 wa-sessions
# (docker-compose.yml runs it behind nginx.) `npm run lint:docker` lints this file.

# ---- build: compile TypeScript, then keep only the production dependencies ---------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
# Puppeteer must not download a browser of its own (Debian's is installed below; .puppeteerrc.cjs
# says the same); no install-time analytics ping from @scarf/scarf (a dependency of swagger-ui-dist).
ENV PUPPETEER_SKIP_DOWNLOAD=true \
    SCARF_ANALYTICS=false \
    npm_config_nodedir=/usr/local
# better-sqlite3 (the embedded store) is a native addon: npm fetches a prebuilt binary when it can and
# compiles it otherwise, which needs python3, make and g++ (build stage only; the runtime has none)
# and Node's headers: the node image ships them under /usr/local/include/node, so node-gyp need not
# download them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc .puppeteerrc.cjs ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.dashboard.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------------
FROM node:22-bookworm-slim
# chromium-headless-shell: bookworm ships it (bookworm and bookworm-security, built from the same
# source as `chromium`). It is Chromium's headless-only build: no X11/GTK user interface, a smaller
# install and less memory per session than `chromium`, and what the end-to-end tests run
# (src/sessions/chrome.ts finds it first and runs it in puppeteer's `shell` mode).
# To use the full browser instead: install `chromium` and set CHROME_PATH=/usr/bin/chromium, HEADLESS=new.
# Fonts: Chromium lays out every message it loads; without them emoji and Chinese, Japanese or Korean
# text fall back to nothing (fonts-noto-cjk is ~90 MB; fonts-wqy-zenhei, ~16 MB, is a smaller choice).
# tini runs as PID 1: it forwards docker stop's SIGTERM to node and reaps the Chromium processes that
# get re-parented to PID 1 when a browser is killed (node itself never waits for them).
# ca-certificates: the TLS roots Chromium's NSS reads for web.whatsapp.com and webhooks over HTTPS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      chromium-headless-shell \
      fonts-liberation \
      fonts-noto-cjk \
      fonts-noto-color-emoji \
      tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    PUPPETEER_SKIP_DOWNLOAD=true \
    CHROME_PATH=/usr/lib/chromium/chromium-headless-shell \
    HEADLESS=shell \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    SHUTDOWN_TIMEOUT_MS=15000

WORKDIR /app
# The application is owned by root and read-only for the user that runs it; only /data is written.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Session folders (auth), the trash and the WhatsApp Web cache (the server points whatsapp-web.js's
# page cache there too) live in /data: keep it on a volume, or every session has to be linked again
# after an upgrade. `node` (uid 1000) comes with the image.
RUN mkdir -p /data \
 && chown node:node /data
VOLUME ["/data"]
USER node

EXPOSE 3000
# Liveness only (the process answers); node's own fetch, so no curl in the image. Readiness
# (/health/ready) is for an orchestrator's routing, not for restarting the container.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM (docker stop's default, said here so no base image changes it) reaches node through tini;
# the server then closes every browser, keeps the auth folders and exits 0 within
# SHUTDOWN_TIMEOUT_MS (15 s). Give docker stop more than that: `--stop-timeout 20` with docker run,
# `stop_grace_period: 20s` in docker-compose.yml (Docker's default of 10 s would SIGKILL it first).
# No `tini -g`: the signal goes to node only, never straight to the browsers, so that node closes
# them in order instead of every Chromium dying at once under live sessions.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
# The Node flags of `npm start` (package.json; a test keeps the two the same), chosen for the server's
# own RSS (issue 16). Measured on a 2-core machine with the built server, SQLite, 3 s after listening
# (`npm run bench -- --only footprint`, medians; runs by hand for the single tries): none 95 MiB idle /
# 130 with 5 READY; --max-semi-space-size=1 (V8's young generation capped at 1 MiB a half instead of
# growing to 16 under load) ~82 idle; --v8-pool-size=1 (one V8 worker thread instead of four) ~91;
# both, kept: 79 idle / 94 with 5 READY, and under autocannon ~110 against ~160 without. Tried, not
# kept: --optimize-for-size on top ~73 idle (trades speed V8 does not bound), --lite-mode ~65 (no
# optimising compiler: the HTTP hot path pays), --single-threaded-gc and MALLOC_ARENA_MAX=2 (noise).
# Requests per second on /health/live with and without: within the noise of that (loaded) machine.
CMD ["node", "--max-semi-space-size=1", "--v8-pool-size=1", "dist/main.js"]
