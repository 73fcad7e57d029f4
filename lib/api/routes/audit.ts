import "server-only";
/** /api/v1/audit/checkpoint: the audit chain's head, signed, for an external monitor to poll and keep. */
import { z } from "zod";
import { defineApiRoute } from "../route";
import { currentCheckpoint } from "../../audit/checkpoint";

const checkpointSchema = z.object({
  lastId: z.number().int().describe("The newest audit event's id when the checkpoint was taken (0: none yet)"),
  head: z.string().describe("That event's hash: the head of the hash chain (HMAC-SHA256 from the keyed switch point on)"),
  count: z.number().int().describe("How many audit events the chain held"),
  at: z.string().describe("When the checkpoint was taken (ISO 8601)"),
  jwt: z.string().describe("The same checkpoint as a JWT (RS256, claim rotor_audit, typ rotor-audit-checkpoint+jwt) signed with Rotor's OIDC issuer key"),
  kid: z.string().describe("The signing key's id in the JWKS"),
  jwksUrl: z.string().describe("Where the public keys are: verify the JWT against them"),
});

export const auditCheckpointRoute = defineApiRoute({
  method: "GET",
  path: "/audit/checkpoint",
  operationId: "getAuditCheckpoint",
  summary: "The audit log's newest signed checkpoint",
  description:
    "The head of the audit hash chain (newest event id, its hash, the event count, the time), signed with Rotor's OIDC issuer key. " +
    "A fresh checkpoint is taken when events were added since the newest one. Keep what you poll: if a later checkpoint has fewer events, " +
    "or an older head no longer verifies, the audit log was cut short or rewritten. Rotor's own Verify compares the chain with the newest checkpoint.",
  tag: "Audit",
  auth: "audit.checkpoint",
  responses: { 200: { description: "The newest checkpoint", schema: checkpointSchema } },
  async handler(_call, ctx) {
    return { status: 200, body: await currentCheckpoint(ctx), headers: { "Cache-Control": "no-store" } };
  },
});

export const auditRoutes = [auditCheckpointRoute];
