import Link from "next/link";

export default function NotFound() {
  return (
    <div className="center-page">
      <div className="card">
        <h1>Not found</h1>
        <p className="muted">This page does not exist, or what it showed has been deleted.</p>
        <Link className="btn" href="/">Back to Rotor</Link>
      </div>
    </div>
  );
}
