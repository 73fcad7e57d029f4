/**
 * Schemas for connectors (the aws-lambda connector), shared by the Connectors forms and the services.
 * Client-importable: no node:* imports.
 */
import { z } from "zod";
import { regionSchema } from "../rotators/aws-iam/inputs";

/**
 * `rotor`: Rotor's own handler (connector/handler), signed requests, ping/rotate/verify.
 * `esc`: an existing Pulumi ESC rotation-connector Lambda ({type, host, port, database, managingUser,
 * rotateUser} → {code, message}); it cannot verify, and does not authenticate requests beyond IAM.
 */
export const CONNECTOR_MODES = ["rotor", "esc"] as const;
export type ConnectorMode = (typeof CONNECTOR_MODES)[number];

/** Lambda function names: 1–64 of letters, digits, - and _. */
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** arn:<partition>:lambda:<region>:<account>:function:<name>[:<version or alias>] */
export const FUNCTION_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

export function parseFunctionArn(value: string): { region: string; accountId: string; name: string; qualifier?: string } | null {
  const match = FUNCTION_ARN_PATTERN.exec(value);
  return match ? { region: match[1], accountId: match[2], name: match[3], ...(match[4] ? { qualifier: match[4] } : {}) } : null;
}

export const connectorNameSchema = z
  .string()
  .trim()
  .min(1, "Give the connector a name")
  .max(100, "Use at most 100 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "Use letters, digits, spaces and . _ - (starting with a letter or digit)");

export const connectorConfigSchema = z
  .object({
    mode: z.enum(CONNECTOR_MODES).default("rotor"),
    functionArn: z
      .string()
      .trim()
      .min(1, "The function ARN (or name) is required")
      .refine((v) => FUNCTION_NAME.test(v) || FUNCTION_ARN_PATTERN.test(v), "Not a Lambda function ARN (arn:aws:lambda:us-east-1:123456789012:function:name) or name"),
    region: regionSchema.default("us-east-1"),
  })
  .superRefine((config, ctx) => {
    const arn = parseFunctionArn(config.functionArn);
    if (arn && arn.region !== config.region) {
      ctx.addIssue({ code: "custom", path: ["region"], message: `The function ARN is in ${arn.region}; set the region to ${arn.region}` });
    }
  });

export type ConnectorConfig = z.output<typeof connectorConfigSchema>;

const connectorFormFields = {
  name: connectorNameSchema,
  mode: z.enum(CONNECTOR_MODES).default("rotor"),
  functionArn: z.string().trim().min(1, "The function ARN (or name) is required"),
  region: z.string().trim().min(1, "The region is required"),
  loginProviderId: z.uuid({ message: "Choose the login Rotor uses to invoke the function" }),
};

export const createConnectorSchema = z.object(connectorFormFields);
export const updateConnectorSchema = z.object({ connectorId: z.uuid(), ...connectorFormFields });
export const connectorIdSchema = z.object({ connectorId: z.uuid() });
export const deleteConnectorSchema = z.object({ connectorId: z.uuid(), confirmName: z.string().trim().min(1, "Type the connector's name to confirm") });
