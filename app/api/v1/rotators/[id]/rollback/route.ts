import { nextRoute } from "@/lib/api/next";
import { rollbackRotatorRoute } from "@/lib/api/routes/rotators";

export const dynamic = "force-dynamic";
export const POST = nextRoute(rollbackRotatorRoute);
