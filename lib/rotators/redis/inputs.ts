/**
 * Inputs and credential of the `redis` rotator (Redis 6+ and Valkey ACL users; shared by the client form and the
 * server). Two modes:
 * - `single-user` (default): ONE ACL user holds both valid passwords. Redis lets a user have several passwords,
 *   so a rotation adds the new one while the current one keeps working, and removes only the password two
 *   generations old (today's `previous`). Consumers never switch user names.
 * - `two-user`: like the SQL rotators, two users take turns; the one that is not current gets the new password.
 */
import { z } from "zod";
import { hostSchema } from "../host";
import { passwordRulesSchema } from "../password/rules";
import { givenPasswordSchema, portSchema, timeoutMsSchema, tlsSchema } from "../sql/inputs";

export const REDIS_MODES = ["single-user", "two-user"] as const;

/** Redis ACL user names: any bytes but spaces and control characters (they would split the ACL rule text). */
function aclUserSchema(field: string) {
  return z
    .string({ error: `${field} is required` })
    .min(1, `${field} is required`)
    .max(256, `${field} is longer than 256 characters`)
    .refine((name) => !/[\s\x00-\x1f\x7f]/.test(name), `${field} must not contain spaces or control characters`);
}

const optionalUser = (field: string) => z.preprocess((v) => (v === "" ? undefined : v), aclUserSchema(field).optional());

export const redisInputsSchema = z
  .object({
    host: hostSchema("host"),
    port: portSchema(6379),
    tls: tlsSchema,
    /** The ACL user Rotor signs in as to change the rotated user(s). It needs acl|getuser and acl|setuser
     *  (and client|list for the in-use check, acl|save when `aclSave` is on). `password` is secret. */
    managing: z.object({
      username: aclUserSchema("managing.username").default("default"),
      password: givenPasswordSchema("managing.password"),
    }),
    mode: z.enum(REDIS_MODES, { error: 'mode must be "single-user" or "two-user"' }).default("single-user"),
    /** single-user: the one ACL user whose passwords rotate. */
    username: optionalUser("username"),
    /** two-user: the two ACL users that take turns; the first rotation without state rotates username1. */
    username1: optionalUser("username1"),
    username2: optionalUser("username2"),
    /** Run ACL SAVE after every change, for servers that load their users from an aclfile: without it a restart
     *  forgets the rotated passwords and brings back the file's. */
    aclSave: z.boolean().default(false),
    passwordRules: passwordRulesSchema.optional(),
    /** Connect and command timeout in milliseconds (default 10 000). */
    timeoutMs: timeoutMsSchema,
  })
  .superRefine((inputs, ctx) => {
    const rotated = inputs.mode === "single-user" ? (["username"] as const) : (["username1", "username2"] as const);
    for (const field of rotated) {
      if (!inputs[field]) ctx.addIssue({ code: "custom", path: [field], message: `${field} is required in ${inputs.mode} mode` });
      // Rotating the managing user's own passwords would lock Rotor out.
      else if (inputs[field] === inputs.managing.username) ctx.addIssue({ code: "custom", path: [field], message: `${field} must not be the managing user` });
    }
    if (inputs.mode === "two-user" && inputs.username1 && inputs.username1 === inputs.username2) {
      ctx.addIssue({ code: "custom", path: ["username2"], message: "username2 must be a different user from username1" });
    }
  });

export type RedisInputs = z.output<typeof redisInputsSchema>;

export const redisSecretInputPaths = ["managing.password"] as const;

/** The users a rotation may change, in slot order. */
export function rotatedUsers(inputs: RedisInputs): string[] {
  return inputs.mode === "single-user" ? [inputs.username!] : [inputs.username1!, inputs.username2!];
}
