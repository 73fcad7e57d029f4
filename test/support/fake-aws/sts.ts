/** STS actions of the fake (API version 2011-06-15, awsQuery). */
import type { QueryService } from "./protocol";
import { el } from "./xml";

export const STS_VERSION = "2011-06-15";
export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

export function createStsService(): QueryService {
  return {
    signingName: "sts",
    version: STS_VERSION,
    xmlns: STS_XMLNS,
    actions: new Map([
      [
        "GetCallerIdentity",
        {
          // No permission is needed to call GetCallerIdentity: any valid signature gets an answer. That is
          // why it is the standard "does this key work yet?" probe.
          handler: (ctx) => el("Arn", ctx.caller!.arn) + el("UserId", ctx.caller!.userId) + el("Account", ctx.caller!.account),
          options: {},
        },
      ],
    ]),
  };
}
