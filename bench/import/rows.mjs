// The benchmark's rows, the same for the CSV the import reads and for the raw baseline's inserts.

export const HEADER = "number,first_name,city";

/** Row `i`: a number unique to it and two variables. */
export const row = (i) => ({
  number: `+9198${String(i).padStart(8, "0")}`,
  first_name: `Name${i}`,
  city: `City${i % 97}`,
});

const BATCH_ROWS = 10_000;

/** The CSV of `rows` rows, generated as it is sent: the benchmark holds one batch of rows at a time. */
export function csvStream(rows) {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next === 0) controller.enqueue(encoder.encode(`${HEADER}\n`));
      if (next >= rows) return controller.close();
      const end = Math.min(rows, next + BATCH_ROWS);
      let text = "";
      for (let i = next; i < end; i++) {
        const { number, first_name, city } = row(i);
        text += `${number},${first_name},${city}\n`;
      }
      next = end;
      controller.enqueue(encoder.encode(text));
    },
  });
}
