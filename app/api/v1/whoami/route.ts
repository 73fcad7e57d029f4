import { nextRoute } from "@/lib/api/next";
import { whoamiRoute } from "@/lib/api/routes/tokens";

export const dynamic = "force-dynamic";
export const GET = nextRoute(whoamiRoute);
