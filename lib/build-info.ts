/**
 * Which Rotor this is: the package version and the commit it was built from, in /api/health and as
 * rotor_build_info. The commit is fixed at build time by next.config.js (from ROTOR_BUILD_COMMIT, which
 * the image build passes in, or else `git rev-parse`); "unknown" when neither was available.
 */
import packageJson from "../package.json";

export interface BuildInfo {
  version: string;
  commit: string;
}

export function buildInfo(): BuildInfo {
  return { version: packageJson.version, commit: process.env.ROTOR_BUILD_COMMIT || "unknown" };
}
