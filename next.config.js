// next.config.js is CommonJS (module.exports below), as Next.js loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { execFileSync } = require("node:child_process");

/** The commit this build is made from: given by the image build (no .git there), else asked of git. */
function buildCommit() {
  if (process.env.ROTOR_BUILD_COMMIT) return process.env.ROTOR_BUILD_COMMIT;
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: __dirname, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  // `npm run build` yields .next/standalone: a server that runs with `node server.js` and the files it
  // traced (the container image runs only that; scripts/start.mjs runs the same server).
  output: "standalone",
  // PGlite ships WASM and data files that must be loaded from node_modules, not bundled; prom-client and
  // pino keep one instance per process (one metrics registry, one log stream) rather than one per bundle.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "mysql2", "prom-client", "pino"],
  // Files read at run time that tracing cannot see: the migrations (lib/db/client.ts reads
  // process.cwd()/drizzle) and PGlite's WASM and data bundle, loaded by path. The store is opened from
  // instrumentation and any route, so every route carries them.
  outputFileTracingIncludes: {
    "/*": ["./drizzle/**/*", "./node_modules/@electric-sql/pglite/dist/**/*.{wasm,data}"],
  },
  // Inlined at build time (lib/build-info.ts): /api/health and rotor_build_info say which commit runs.
  env: { ROTOR_BUILD_COMMIT: buildCommit() },
  poweredByHeader: false,
  // `npm test` type-checks the whole project (tsc --noEmit); `npm start` need not do it again.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  // The AWS logins pages were at /logins (easily confused with sign-in at /login); old links keep working.
  async redirects() {
    return [
      { source: "/logins", destination: "/aws-logins", permanent: true },
      { source: "/logins/:loginId", destination: "/aws-logins/:loginId", permanent: true },
    ];
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
        ],
      },
    ];
  },
};

module.exports = nextConfig;
