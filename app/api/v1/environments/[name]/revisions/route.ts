import { nextRoute } from "@/lib/api/next";
import { listRevisionsRoute } from "@/lib/api/routes/environments";

export const dynamic = "force-dynamic";
export const GET = nextRoute(listRevisionsRoute);
