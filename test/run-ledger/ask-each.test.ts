import { describe, expect, it } from "vitest";
import { askEach, LEDGER_WAVE } from "../../src/features/run-ledger";

describe("askEach", () => {
  it("asks many runs' objects a wave at a time, answering in the items' order", async () => {
    let open = 0;
    let most = 0;
    const items = Array.from({ length: 2 * LEDGER_WAVE + 20 }, (_, i) => i);
    const answers = await askEach(items, async (i) => {
      open++;
      most = Math.max(most, open);
      // Later items answer sooner: the order comes from the items, not the answers.
      await new Promise((resolve) => setTimeout(resolve, (items.length - i) % 7));
      open--;
      return i * 2;
    });
    expect(answers).toEqual(items.map((i) => i * 2));
    expect(most).toBe(LEDGER_WAVE);
    expect(await askEach([], async () => 1)).toEqual([]);
  });
});
