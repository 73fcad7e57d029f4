import { nextRoute } from "@/lib/api/next";
import { checkRotatorRoute } from "@/lib/api/routes/rotators";

export const dynamic = "force-dynamic";
export const POST = nextRoute(checkRotatorRoute);
