import { nextRoute } from "@/lib/api/next";
import { getRunRoute } from "@/lib/api/routes/runs";

export const dynamic = "force-dynamic";
export const GET = nextRoute(getRunRoute);
