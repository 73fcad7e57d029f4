import { nextRoute } from "@/lib/api/next";
import { rotateEnvironmentRoute } from "@/lib/api/routes/environments";

export const dynamic = "force-dynamic";
export const POST = nextRoute(rotateEnvironmentRoute);
