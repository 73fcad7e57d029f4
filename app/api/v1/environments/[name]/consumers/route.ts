import { nextRoute } from "@/lib/api/next";
import { listConsumersRoute } from "@/lib/api/routes/environments";

export const dynamic = "force-dynamic";
export const GET = nextRoute(listConsumersRoute);
