# Stage 1 — the web console (issue 10): built with the dev dependencies, only its files are kept.
FROM node:22-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
# The console bundles the server's pure code checks and error messages (R1, R8) for its live validation.
COPY console ./console
COPY platform/errors.ts ./platform/errors.ts
COPY platform/error-codes ./platform/error-codes
COPY directory/codes ./directory/codes
COPY scripts/build-console.ts ./scripts/build-console.ts
RUN npx tsx scripts/build-console.ts

# Stage 2 — the server: production dependencies only (the `prepare` build finds no console sources
# yet and skips), then the sources and the console built above.
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/build-console.ts ./scripts/build-console.ts
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
COPY --from=console /app/console/dist ./console/dist
# The server compiled to JavaScript (issue 11: no TypeScript loader in the running process); `npm start`
# finds it up to date and runs it.
RUN npx tsx scripts/build-server.ts
ENV PORT=3000
EXPOSE 3000
CMD ["npm", "start"]
