import { nextRoute } from "@/lib/api/next";
import { importEscRoute } from "@/lib/api/routes/esc";

export const dynamic = "force-dynamic";
export const POST = nextRoute(importEscRoute);
