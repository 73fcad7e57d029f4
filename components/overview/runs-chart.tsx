/**
 * Rotations per day, succeeded and failed, as a stacked bar chart in plain SVG (no chart library: nothing to
 * load in the browser, and it renders on the server). Each bar has a <title> for a tooltip; the totals are
 * in the accessible name, and the numbers are also in a table under "Show numbers".
 */
export interface DayCount {
  day: string;
  succeeded: number;
  failed: number;
}

const WIDTH = 760;
const HEIGHT = 200;
const PAD = { top: 12, right: 8, bottom: 28, left: 36 };

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => n / s <= 4) ?? 10 * magnitude;
  return Math.ceil(n / step) * step;
}

export function RunsChart({ days }: { days: DayCount[] }) {
  const totals = days.reduce((t, d) => ({ succeeded: t.succeeded + d.succeeded, failed: t.failed + d.failed }), { succeeded: 0, failed: 0 });
  const max = niceMax(Math.max(0, ...days.map((d) => d.succeeded + d.failed)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const ticks = [0, max / 4, max / 2, (3 * max) / 4, max];
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-label={`Rotations per day over the last ${days.length} days: ${totals.succeeded} succeeded, ${totals.failed} failed`}
        data-testid="runs-chart"
        style={{ maxWidth: WIDTH, background: "var(--panel)", border: "1px solid var(--border)", borderRadius: 8 }}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} stroke="#e5e7eb" />
            <text x={PAD.left - 6} y={y(t) + 4} fontSize="10" textAnchor="end" fill="#5b6572">
              {Number.isInteger(t) ? t : t.toFixed(1)}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const okTop = y(d.succeeded);
          const failTop = y(d.succeeded + d.failed);
          return (
            <g key={d.day} data-day={d.day} data-succeeded={d.succeeded} data-failed={d.failed}>
              <title>{`${d.day}: ${d.succeeded} succeeded, ${d.failed} failed`}</title>
              {d.succeeded > 0 && <rect x={x} y={okTop} width={barW} height={y(0) - okTop} fill="#12b76a" />}
              {d.failed > 0 && <rect x={x} y={failTop} width={barW} height={okTop - failTop} fill="#d92d20" />}
              {(i % 5 === 0 || i === days.length - 1) && (
                <text x={x + barW / 2} y={HEIGHT - 10} fontSize="10" textAnchor="middle" fill="#5b6572">
                  {d.day.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="row muted" style={{ fontSize: ".85rem", marginTop: ".25rem" }}>
        <span><span aria-hidden style={{ color: "#12b76a" }}>■</span> succeeded ({totals.succeeded})</span>
        <span><span aria-hidden style={{ color: "#d92d20" }}>■</span> failed ({totals.failed})</span>
        <span>UTC days</span>
      </figcaption>
      <details>
        <summary className="muted" style={{ fontSize: ".85rem" }}>Show numbers</summary>
        <table aria-label="Rotations per day">
          <thead>
            <tr><th>Day (UTC)</th><th>Succeeded</th><th>Failed</th></tr>
          </thead>
          <tbody>
            {days.filter((d) => d.succeeded + d.failed > 0).map((d) => (
              <tr key={d.day}><td>{d.day}</td><td>{d.succeeded}</td><td>{d.failed}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
