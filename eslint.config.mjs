// ESLint 9 flat config (`npm run lint` = `eslint . --max-warnings=0`; Next 16 has no `next lint`).
// The layering rules (lint/boundaries.mjs, lint/cycles.mjs) are the README's Architecture section, enforced.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import boundaries from "./lint/boundaries.mjs";
import cycles from "./lint/cycles.mjs";

const rotor = { rules: { ...boundaries.rules, ...cycles.rules } };

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    plugins: { rotor },
    rules: {
      // A leading underscore marks a value as deliberately unused (`const { before: _ignored, ...filter }`).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "rotor/boundaries": "error",
      "rotor/no-cycle": "error",
    },
  },
  {
    // A promise nobody awaits loses its rejection (an unhandled rejection, or an error nobody sees). Needs type
    // information, so it runs on the TypeScript sources with the project's tsconfig.
    files: ["**/*.ts", "**/*.tsx", "**/*.mts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { "@typescript-eslint/no-floating-promises": "error" },
  },
  {
    // Playwright fixtures receive a `use` callback; it is not React's `use` hook.
    files: ["e2e/**", "playwright.config.ts"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  globalIgnores([
    ".next/**",
    "node_modules/**",
    "data/**",
    "dist/**",
    "test-results/**",
    "playwright-report/**",
    "next-env.d.ts",
  ]),
]);
