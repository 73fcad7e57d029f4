/**
 * The Lambda entry point (handler setting `index.handler` in the bundle built by `npm run build:connector`).
 * Configuration is read from the environment once per Lambda instance; see ./handler.ts.
 */
import { configFromEnv, createHandler, type ConnectorHandler } from "./handler";

let instance: ConnectorHandler | undefined;

export const handler: ConnectorHandler = (event, context) => {
  instance ??= createHandler(configFromEnv());
  return instance(event, context);
};
