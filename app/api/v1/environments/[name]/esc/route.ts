import { nextRoute } from "@/lib/api/next";
import { exportEscRoute } from "@/lib/api/routes/esc";

export const dynamic = "force-dynamic";
export const GET = nextRoute(exportEscRoute);
