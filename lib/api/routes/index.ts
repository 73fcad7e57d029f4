import "server-only";
/** Every REST API operation. The OpenAPI document is generated from this list, and a test checks that every
 *  route file in app/api/v1 binds an operation listed here (and nothing else). */
import type { ApiRoute } from "../route";
import { auditRoutes } from "./audit";
import { environmentRoutes } from "./environments";
import { escRoutes } from "./esc";
import { rotatorRoutes } from "./rotators";
import { runRoutes } from "./runs";
import { tokenRoutes } from "./tokens";
import { watchRoutes } from "./watch";

export const API_ROUTES: readonly ApiRoute[] = [...environmentRoutes, ...watchRoutes, ...rotatorRoutes, ...runRoutes, ...tokenRoutes, ...escRoutes, ...auditRoutes] as ApiRoute[];
