import autocannon from "autocannon";

/**
 * Drives `url` with `connections` concurrent keep-alive connections for `seconds`.
 * `requests` (optional) lets each request carry its own body.
 */
export async function load({ name, url, method = "GET", headers = {}, body, requests, connections = 50, seconds = 5 }) {
  const result = await autocannon({
    url,
    method,
    headers,
    body,
    requests,
    connections,
    duration: seconds,
  });
  return {
    scenario: name,
    "req/s": Math.round(result.requests.average),
    "p50 ms": result.latency.p50,
    "p99 ms": result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    connections,
    seconds,
  };
}

/** A scenario's figures for the RESULT line, as numbers. */
export function figures(row) {
  return {
    reqPerSec: row["req/s"],
    p50Ms: row["p50 ms"],
    p99Ms: row["p99 ms"],
    requests: row.requests,
    non2xx: row.non2xx,
    errors: row.errors,
  };
}
