// Runs once when the Next.js server starts (not at build time).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // Before any request is served: the client address must come from the socket (lib/auth/request-ip.ts).
    const { installSocketAddressHeader } = await import("./lib/auth/request-ip");
    installSocketAddressHeader();
    const { startRotor } = await import("./lib/startup");
    await startRotor();
  }
}
