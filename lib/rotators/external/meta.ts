/** What the UI and the server know about the `external` type without running it (client-safe). */
import type { RotatorMeta } from "../types";
import { EXTERNAL_TIMEOUT_DEFAULT_MS, externalCredentialSchema, externalInputsSchema, type ExternalInputs } from "./inputs";

export const externalMeta: RotatorMeta<ExternalInputs> = {
  type: "external",
  label: "External adapter (HTTPS, Pulumi ESC-compatible)",
  inputsSchema: externalInputsSchema,
  // The adapter authenticates Rotor by a token signed by Rotor's issuer: nothing to store.
  secretInputPaths: [],
  secretCredentialKeys: [],
  everyCredentialKeySecret: true,
  credentialSchema: externalCredentialSchema,
  binding: { kind: "issuer" },
  fields: [
    { path: "url", label: "Adapter URL", kind: "text", placeholder: "https://adapter.example.com/rotate", hint: "Rotor POSTs {request, state} here with a token signed by its OIDC issuer (audience: this URL)" },
    { path: "request", label: "Request (JSON)", kind: "textarea", placeholder: '{"service": "billing"}', hint: "Sent to the adapter on every rotation; not secret" },
    { path: "verifyUrl", label: "Verify URL (optional)", kind: "text", placeholder: "https://adapter.example.com/verify", hint: "Called with the new credential before it becomes current; a refusal fails the rotation" },
    { path: "requiredKeys", label: "Fields the answer must have", kind: "text", placeholder: "username, password", hint: "Comma-separated; an answer without one of them fails the rotation" },
    { path: "timeoutMs", label: "Timeout (ms)", kind: "number", defaultValue: String(EXTERNAL_TIMEOUT_DEFAULT_MS) },
    { path: "ca", label: "Adapter CA certificate (PEM, optional)", kind: "textarea", hint: "Only when the adapter's certificate is not publicly trusted" },
    { path: "allowInsecureHttp", label: "Allow plain http (insecure)", kind: "checkbox", defaultValue: false, hint: "Sends the token and receives the new credential unencrypted. Loopback addresses never need it" },
  ],
  // The answer's fields are the adapter's own: import a current credential with the API or from ESC.
  importFields: [],
};
