"use client";
export default function GlobalError({ error }: { error: Error & { digest?: string } }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui", padding: "2rem" }}>
        <h1>Rotor hit an unexpected error</h1>
        <p>The server log has the details{error.digest ? ` (reference ${error.digest})` : ""}. Reload the page to try again.</p>
      </body>
    </html>
  );
}
