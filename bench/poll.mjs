/** Calls `check` every `everyMs` until it returns true or `timeoutMs` has passed; returns whether it did. */
export async function until(check, { everyMs, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return false;
}
