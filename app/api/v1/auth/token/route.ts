import { nextRoute } from "@/lib/api/next";
import { exchangePasswordRoute } from "@/lib/api/routes/tokens";

export const dynamic = "force-dynamic";
export const POST = nextRoute(exchangePasswordRoute);
