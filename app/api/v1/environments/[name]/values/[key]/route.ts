import { nextRoute } from "@/lib/api/next";
import { setValueRoute, deleteValueRoute } from "@/lib/api/routes/environments";

export const dynamic = "force-dynamic";
export const PUT = nextRoute(setValueRoute);
export const DELETE = nextRoute(deleteValueRoute);
