import { nextRoute } from "@/lib/api/next";
import { getScheduleRoute, putScheduleRoute, deleteScheduleRoute } from "@/lib/api/routes/rotators";

export const dynamic = "force-dynamic";
export const GET = nextRoute(getScheduleRoute);
export const PUT = nextRoute(putScheduleRoute);
export const DELETE = nextRoute(deleteScheduleRoute);
