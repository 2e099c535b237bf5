import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type AcceptedRow, PendingRows } from "../../src/features/imports/rows";
import { jsonLists, membersStatements } from "../../src/features/imports/writes";
import { db } from "../helpers";
import { expectIndexed } from "../query-plan";

const row = (i: number, name: string | null = null): AcceptedRow => [`+9198${String(i).padStart(8, "0")}`, name, null];

describe("an import's statements", () => {
  it("add an audience's members by one index lookup per row, whatever the project's size", async () => {
    const pending = new PendingRows(1_000_000);
    for (let i = 0; i < 3; i++) pending.add(row(i));
    // [contacts upsert, members insert]: the insert finds each row's contact by number.
    const [, members] = membersStatements(db(), "prj", 1, "audience", pending.lists(), 0, sql`true`);
    const plan = await expectIndexed(members as never, "c", "contacts_project_number");
    // The list is the outer loop and each row seeks its contact by number: with the contacts
    // outside, every contact of the project would scan the list (rows × contacts).
    expect(plan[0], plan.join("\n")).toMatch(/^SCAN j VIRTUAL TABLE/);
    expect(plan.join("\n")).toMatch(
      /SEARCH c USING COVERING INDEX contacts_project_number \(project_id=\? AND number=\?\)/,
    );
  });
});

describe("PendingRows", () => {
  it("cuts its rows into JSON lists of at most the bytes given, in file order, a number given twice kept twice", () => {
    const pending = new PendingRows(200);
    const rows = [row(1, "Asha"), row(2, "Ravi é"), row(1, "Asha Rao"), row(3), row(4)];
    for (const r of rows) pending.add(r);
    expect(pending.size).toBe(5);
    const lists = pending.lists();
    expect(lists.length).toBeGreaterThan(1);
    for (const list of lists) expect(new TextEncoder().encode(list).length).toBeLessThanOrEqual(200);
    expect(lists.flatMap((list) => JSON.parse(list))).toEqual(rows);

    pending.clear();
    expect(pending.size).toBe(0);
    expect(pending.lists()).toEqual([]);
    pending.add(row(9));
    expect(pending.lists()).toEqual([JSON.stringify([row(9)])]);
  });

  it("grows its buffer for rows larger than it", () => {
    const pending = new PendingRows(1_000_000);
    const wide: AcceptedRow = [row(1)[0], "é".repeat(100_000)];
    pending.add(wide);
    pending.add(row(2));
    expect(pending.lists().flatMap((list) => JSON.parse(list))).toEqual([wide, row(2)]);
    expect(pending.bytes).toBe(new TextEncoder().encode(pending.lists().join("")).length);
  });
});

describe("jsonLists", () => {
  it("cuts items into lists of at most the bytes given, counting UTF-8", () => {
    const items = Array.from({ length: 10 }, (_, i) => [i, "é".repeat(20)]);
    const lists = jsonLists(items, 120);
    for (const list of lists) expect(new TextEncoder().encode(list).length).toBeLessThanOrEqual(120);
    expect(lists.flatMap((list) => JSON.parse(list))).toEqual(items);
  });
});
