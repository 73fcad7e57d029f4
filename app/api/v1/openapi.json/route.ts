import { nextRoute } from "@/lib/api/next";
import { openApiRoute } from "@/lib/api/routes/meta";

export const dynamic = "force-dynamic";
export const GET = nextRoute(openApiRoute);
