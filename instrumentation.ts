// Runs once when the Next.js server starts (not at build time).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startRotor } = await import("./lib/startup");
    await startRotor();
  }
}
