/** The signed-in client every command but `login` starts from. */
import { RotorClient } from "./api-client";
import { isCleartextRemote, looseModeWarning, requireToken, resolveTarget } from "./credentials";
import { note } from "./output";

export function signedInClient(): RotorClient {
  const target = requireToken(resolveTarget());
  if (target.tokenSource === "credentials file") {
    const warning = looseModeWarning();
    if (warning) note(warning);
  }
  if (isCleartextRemote(target.url)) note(`warning: ${target.url} is plain http: the token crosses the network unencrypted`);
  return new RotorClient(target);
}
