/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships WASM and data files that must be loaded from node_modules, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "mysql2"],
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
