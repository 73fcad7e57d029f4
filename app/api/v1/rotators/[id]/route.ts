import { nextRoute } from "@/lib/api/next";
import { getRotatorRoute, updateRotatorRoute, deleteRotatorRoute } from "@/lib/api/routes/rotators";

export const dynamic = "force-dynamic";
export const GET = nextRoute(getRotatorRoute);
export const PATCH = nextRoute(updateRotatorRoute);
export const DELETE = nextRoute(deleteRotatorRoute);
