/**
 * Whether generated passwords always meet a server's password-validation policy (MariaDB simple_password_check,
 * MySQL validate_password): the generator guarantees each class's minimum, so the rules fit when every minimum
 * the server demands is guaranteed by the rules.
 */
import type { PasswordPolicy } from "../sql/connector";
import type { PasswordRules } from "./rules";

/** What the rules do not guarantee, one phrase per problem; empty when every generated password passes. */
export function policyProblems(policy: PasswordPolicy, rules: PasswordRules): string[] {
  const problems: string[] = [];
  if (rules.length < policy.minLength) problems.push(`needs at least ${policy.minLength} characters, the rules make ${rules.length}`);
  const classes = [
    { need: policy.minDigits, on: rules.digits, min: rules.minDigits, what: "digits", field: "minDigits" },
    { need: policy.minUppercase, on: rules.uppercase, min: rules.minUppercase, what: "upper-case letters", field: "minUppercase" },
    { need: policy.minLowercase, on: rules.lowercase, min: rules.minLowercase, what: "lower-case letters", field: "minLowercase" },
    { need: policy.minSymbols, on: rules.symbols && rules.specials.length > 0, min: rules.minSymbols, what: "special characters", field: "minSymbols" },
  ];
  for (const c of classes) {
    if (c.need <= 0) continue;
    if (!c.on) problems.push(`needs at least ${c.need} ${c.what}, which the rules turn off`);
    else if (c.min < c.need) problems.push(`needs at least ${c.need} ${c.what}, the rules guarantee ${c.min} (${c.field})`);
  }
  return problems;
}
