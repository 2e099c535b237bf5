import type { BatchItem } from "drizzle-orm/batch";
import { beforeEach, describe, expect, it } from "vitest";
import { upsertValuesStatements } from "../../src/features/audiences/bulk";
import {
  groupsByRef,
  inputGroupId,
  insertInputGroup,
  recordInputStatement,
  valuesForNumbers,
} from "../../src/features/variable-groups/store";
import { createGroupOk, numbers } from "../audiences/audiences.helpers";
import { rows } from "../contacts/contacts.helpers";
import { db, newProject, type Project } from "../helpers";

let p: Project;
beforeEach(async () => {
  p = await newProject("variable group store");
});

const pkOf = async (id: string) =>
  (await rows<{ pk: number }>("SELECT pk FROM variable_groups WHERE project_id = ? AND id = ?", p.id, id))[0]
    ?.pk as number;

const batch = (statements: unknown[]) =>
  db().batch(statements as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);

describe("valuesForNumbers", () => {
  it("answers number → group → values for the groups and numbers asked, in one query", async () => {
    const [one, two, three] = numbers(3);
    await createGroupOk(p.manager, {
      id: "users",
      name: "users",
      fields: ["first_name"],
      values: [
        { number: one, first_name: "John" },
        { number: two, first_name: "Asha" },
      ],
    });
    await createGroupOk(p.manager, {
      id: "orders",
      name: "orders",
      fields: ["total"],
      values: [{ number: one, total: 10 }],
    });
    await createGroupOk(p.manager, {
      id: "unasked",
      name: "unasked",
      fields: ["x"],
      values: [{ number: one, x: "no" }],
    });
    const users = await pkOf("users");
    const orders = await pkOf("orders");
    const found = await valuesForNumbers(db(), [users, orders], [one, two, three] as string[]);
    expect(found).toEqual(
      new Map<string | undefined, Map<number, Record<string, string>>>([
        [
          one,
          new Map<number, Record<string, string>>([
            [users, { first_name: "John" }],
            [orders, { total: "10" }],
          ]),
        ],
        [two, new Map([[users, { first_name: "Asha" }]])],
      ]),
    );
  });

  it("reads a page of 500 numbers (one JSON parameter, not 500)", async () => {
    const many = numbers(500);
    await createGroupOk(p.manager, {
      id: "g",
      name: "g",
      fields: ["v"],
      values: many.map((number, i) => ({ number, v: String(i) })),
    });
    const found = await valuesForNumbers(db(), [await pkOf("g")], many);
    expect(found.size).toBe(500);
    expect(found.get(many[499] as string)?.get(await pkOf("g"))).toEqual({ v: "499" });
  });

  it("is empty for no groups or no numbers", async () => {
    expect(await valuesForNumbers(db(), [], ["+917428526285"])).toEqual(new Map());
    expect(await valuesForNumbers(db(), [1], [])).toEqual(new Map());
  });
});

describe("groupsByRef", () => {
  it("finds a group by name first, then by id, in this project only", async () => {
    await createGroupOk(p.manager, { id: "g1", name: "users", fields: ["first_name"] });
    await createGroupOk(p.manager, { id: "users", name: "people", fields: ["x"] });
    const other = await newProject("other");
    await createGroupOk(other.manager, { id: "theirs", name: "theirs", fields: ["x"] });
    const found = await groupsByRef(db(), p.id, ["users", "people", "theirs", "g1"]);
    expect([...found].map(([ref, g]) => [ref, g.id])).toEqual([
      ["users", "g1"],
      ["people", "users"],
      ["g1", "g1"],
    ]);
  });
});

describe("recordInputStatement", () => {
  const campaignId = "cmp_presses";
  const number = "+917428526285";
  const press = (button: string, pressedAt: number) =>
    recordInputStatement(db(), p.id, [{ campaignId, number, button, input: `${button}!`, pressedAt }]);
  const stored = () =>
    rows(
      'SELECT v.number, v."values" AS vals FROM variable_values v JOIN variable_groups g ON g.pk = v.group_pk WHERE g.project_id = ?',
      p.id,
    );

  it("does nothing for a campaign without an input group", async () => {
    await batch([press("Yes", 1_000)]);
    expect(await stored()).toEqual([]);
  });

  it("keeps the latest press of each number, even when presses arrive out of order", async () => {
    await batch([insertInputGroup(db(), p.id, campaignId, "Presses")]);
    await batch([press("Yes", Date.UTC(2025, 0, 1))]);
    await batch([press("No", Date.UTC(2025, 0, 3))]);
    await batch([press("Maybe", Date.UTC(2025, 0, 2))]);
    expect(await stored()).toEqual([
      { number, vals: JSON.stringify({ button: "No", input: "No!", pressedAt: "2025-01-03T00:00:00.000Z" }) },
    ]);
    // Many presses in one statement, the same number's out of order among them: the latest still wins.
    const other = "+917428526286";
    await batch([
      recordInputStatement(db(), p.id, [
        { campaignId, number: other, button: "B", input: "b", pressedAt: Date.UTC(2025, 0, 5) },
        { campaignId, number, button: "Later", input: "l", pressedAt: Date.UTC(2025, 0, 4) },
        { campaignId, number: other, button: "A", input: "a", pressedAt: Date.UTC(2025, 0, 4) },
        { campaignId: "cmp_without_group", number, button: "X", input: "x", pressedAt: Date.UTC(2025, 0, 9) },
      ]),
    ]);
    expect((await stored()).map((r) => [r.number, JSON.parse(r.vals as string).button]).sort()).toEqual([
      [number, "Later"],
      [other, "B"],
    ]);
    expect((await groupsByRef(db(), p.id, ["Presses"])).get("Presses")).toMatchObject({
      id: inputGroupId(campaignId),
      kind: "input",
      campaignId,
    });
  });
});

describe("upsertValuesStatements", () => {
  it("merges more than 500 rows as several statements, keeping fields not given", async () => {
    await createGroupOk(p.manager, { id: "bulk", name: "bulk", fields: ["a", "b"] });
    const pk = await pkOf("bulk");
    const many = numbers(1201);
    const first = upsertValuesStatements(
      db(),
      pk,
      many.map((number) => ({ number, values: { a: "1", b: "1" } })),
    );
    expect(first).toHaveLength(3);
    await batch(first);
    await batch(
      upsertValuesStatements(
        db(),
        pk,
        many.map((number) => ({ number, values: { b: "2" } })),
      ),
    );
    expect(await rows("SELECT count(*) AS n FROM variable_values WHERE group_pk = ?", pk)).toEqual([{ n: 1201 }]);
    const distinct = await rows('SELECT DISTINCT "values" AS vals FROM variable_values WHERE group_pk = ?', pk);
    expect(distinct).toEqual([{ vals: JSON.stringify({ a: "1", b: "2" }) }]);
  });
});
