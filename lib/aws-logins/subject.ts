/**
 * The `sub` claim of the tokens Rotor signs, and the role session name, built from a template the user can
 * change. The role's trust policy matches the subject with IAM's StringLike, so the template's fixed parts must
 * not contain IAM wildcards (`*`, `?`) or policy variables (`${…}`); each placeholder becomes `*` in the
 * pattern this module derives for the generated trust policy.
 *
 * Placeholders:
 *   {environment}  the environment of the rotator being rotated
 *   {rotator}      the rotator's name
 *   {login}        the login provider's name
 *   {purpose}      why the token is minted: "rotation" (an aws-iam rotator), "connector" (invoking the
 *                  aws-lambda connector for a database rotator) or "test" ("Test login" on the Logins page)
 */
export const SUBJECT_PLACEHOLDERS = ["environment", "rotator", "login", "purpose"] as const;
export type SubjectPlaceholder = (typeof SUBJECT_PLACEHOLDERS)[number];
export type SubjectVariables = Record<SubjectPlaceholder, string>;
export type TokenPurpose = "rotation" | "connector" | "test" | "adapter";

export const DEFAULT_SUBJECT_TEMPLATE = "rotor:{environment}:{rotator}";
export const DEFAULT_SESSION_NAME_TEMPLATE = "rotor-{rotator}";
/** What {environment} and {rotator} are for a "Test login" (names that no environment or rotator can have). */
export const TEST_SUBJECT_NAME = "(test)";

const PLACEHOLDER = /\{([a-z]+)\}/g;

/** Problems with a template, for form validation (empty when it is fine). */
export function templateProblems(template: string, options: { forSessionName?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (!template.trim()) problems.push("must not be empty");
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (!(SUBJECT_PLACEHOLDERS as readonly string[]).includes(match[1])) {
      problems.push(`{${match[1]}} is not a placeholder (use ${SUBJECT_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`);
    }
  }
  const fixed = template.replace(PLACEHOLDER, "");
  if (/[{}]/.test(fixed)) problems.push("has an unmatched { or }");
  if (!options.forSessionName) {
    if (/[*?]/.test(fixed)) problems.push("must not contain * or ? (IAM wildcards in the trust policy)");
    if (fixed.includes("$")) problems.push("must not contain $ (IAM policy variables)");
  } else if (!/^[\w+=,.@-]*$/.test(fixed)) {
    problems.push("may only contain letters, digits and +=,.@_- besides placeholders");
  }
  return problems;
}

export function renderTemplate(template: string, variables: SubjectVariables): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    (SUBJECT_PLACEHOLDERS as readonly string[]).includes(name) ? variables[name as SubjectPlaceholder] : whole,
  );
}

/** The StringLike pattern that every subject of this template matches (placeholders → `*`). */
export function subjectPattern(template: string): string {
  return template.replace(PLACEHOLDER, "*").replace(/\*+/g, "*");
}

/** Role session names: 2–64 of `[\w+=,.@-]` (STS refuses anything else). */
export function renderSessionName(template: string, variables: SubjectVariables): string {
  const raw = renderTemplate(template, variables).replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
  return raw.length >= 2 ? raw : `${raw}--`.slice(0, 2);
}
