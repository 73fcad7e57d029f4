/** The three roles, what each may do, and their order (an admin may do what an operator may, and so on). */
import type { Role } from "../env";

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** True when `role` may do what `required` allows (admin ⊇ operator ⊇ viewer). */
export function hasRole(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: "Everything, including users, logins and revealing secrets",
  operator: "Rotate, edit rotators and schedules, reveal secrets",
  viewer: "Read configuration, history and audit; never secret values",
};
