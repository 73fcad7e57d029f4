"use client";
// Shown for unexpected server errors. Next.js sends only a digest to the browser; the details stay in the
// server log, so no stack trace or secret reaches the user.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="center-page">
      <div className="card" role="alert">
        <h1>Something went wrong</h1>
        <p className="muted">
          Rotor could not show this page. The server log has the details{error.digest ? ` (reference ${error.digest})` : ""}.
        </p>
        <button className="btn" onClick={() => reset()}>Try again</button>
      </div>
    </div>
  );
}
