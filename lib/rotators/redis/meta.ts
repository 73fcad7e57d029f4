/** What the UI and the server know about the `redis` type without running it (client-safe). */
import type { RotatorMeta } from "../types";
import { passwordRuleFields } from "../password/meta";
import { usernamePasswordCredentialSchema } from "../sql/inputs";
import { redisInputsSchema, redisSecretInputPaths, type RedisInputs } from "./inputs";

export const redisMeta: RotatorMeta<RedisInputs> = {
  type: "redis",
  label: "Redis / Valkey ACL user password",
  inputsSchema: redisInputsSchema,
  secretInputPaths: redisSecretInputPaths,
  secretCredentialKeys: ["password"],
  credentialSchema: usernamePasswordCredentialSchema,
  // Rotor connects itself (no Lambda connector speaks Redis).
  binding: { kind: "none" },
  fields: [
    { path: "host", label: "Host", kind: "text", placeholder: "cache.internal" },
    { path: "port", label: "Port", kind: "number", defaultValue: "6379" },
    { path: "tls.mode", label: "TLS", kind: "select", options: ["require", "verify-full", "disable"], defaultValue: "require", hint: "disable only on a trusted network" },
    { path: "tls.ca", label: "CA certificate (PEM)", kind: "textarea", showIf: { path: "tls.mode", values: ["verify-full"] } },
    { path: "managing.username", label: "Managing ACL user", kind: "text", defaultValue: "default", hint: "Needs +acl|getuser +acl|setuser (+client|list to see who is connected)" },
    { path: "managing.password", label: "Managing password", kind: "password" },
    {
      path: "mode",
      label: "Strategy",
      kind: "select",
      options: ["single-user", "two-user"],
      defaultValue: "single-user",
      hint: "single-user: one ACL user keeps its current and previous passwords; two-user: two users take turns",
    },
    { path: "username", label: "ACL user", kind: "text", showIf: { path: "mode", values: ["single-user"] } },
    { path: "username1", label: "User 1", kind: "text", showIf: { path: "mode", values: ["two-user"] } },
    { path: "username2", label: "User 2", kind: "text", showIf: { path: "mode", values: ["two-user"] } },
    { path: "aclSave", label: "Run ACL SAVE after each change (users loaded from an aclfile)", kind: "checkbox", defaultValue: false },
    ...passwordRuleFields("passwordRules"),
  ],
  importFields: [
    { path: "username", label: "Current ACL user", kind: "text" },
    { path: "password", label: "Current password", kind: "password" },
  ],
};
