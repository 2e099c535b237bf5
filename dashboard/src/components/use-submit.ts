import { useState } from "preact/hooks";

/**
 * A form's submit: runs `action`, keeps the button disabled meanwhile and the API's error (with its
 * fields, for `Field`) afterwards.
 */
export function useSubmit(action: () => Promise<unknown>) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error };
}
