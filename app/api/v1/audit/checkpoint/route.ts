import { nextRoute } from "@/lib/api/next";
import { auditCheckpointRoute } from "@/lib/api/routes/audit";

export const dynamic = "force-dynamic";
export const GET = nextRoute(auditCheckpointRoute);
