import { nextRoute } from "@/lib/api/next";
import { listTokensRoute, createTokenRoute } from "@/lib/api/routes/tokens";

export const dynamic = "force-dynamic";
export const GET = nextRoute(listTokensRoute);
export const POST = nextRoute(createTokenRoute);
