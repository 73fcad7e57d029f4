import { nextRoute } from "@/lib/api/next";
import { listRotatorsRoute, createRotatorRoute } from "@/lib/api/routes/rotators";

export const dynamic = "force-dynamic";
export const GET = nextRoute(listRotatorsRoute);
export const POST = nextRoute(createRotatorRoute);
