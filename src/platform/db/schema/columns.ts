import { sql } from "drizzle-orm";
import { integer } from "drizzle-orm/sqlite-core";

// Timestamps are Unix milliseconds: cheap to compare and index, turned into ISO strings at the edge.
export const createdAt = () => integer("created_at").notNull().default(sql`(unixepoch('subsec') * 1000)`);
export const updatedAt = () => integer("updated_at").notNull();
