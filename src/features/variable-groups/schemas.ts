import { z } from "@hono/zod-openapi";
import { MAX_PAGE_SIZE, PageQuery } from "../../platform/http/pagination";
import { NumberInput, ResourceId } from "../audiences/schemas";

export const MAX_FIELDS = 50;
export const MAX_VALUE_LENGTH = 1024;
export const MAX_VALUES_PER_CALL = 1000;

export const FieldName = z
  .string()
  // A message names a value as `{group.field}`: a field is one identifier-like word.
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a letter or _ followed by up to 63 letters, digits or _")
  .refine((name) => name !== "number", "is reserved: every row of values is keyed by `number`")
  // As a key of a parsed object `__proto__` sets the prototype instead of a value.
  .refine((name) => name !== "__proto__", "is reserved")
  .openapi({ example: "first_name" });

const FieldValue = z.union([z.string().max(MAX_VALUE_LENGTH), z.number().finite()]);

export const ValuesRow = z
  .object({ number: NumberInput })
  .catchall(FieldValue)
  .openapi("VariableValuesInput", {
    description: `\`number\` and one entry per field: a string (at most ${MAX_VALUE_LENGTH} characters) or a number, stored as text`,
    example: { number: "1234567890", first_name: "John", last_name: "Doe" },
  });

export const CreateVariableGroupBody = z
  .object({
    id: ResourceId.openapi({
      description: "Your id for the group. An existing id adds fields and merges values.",
      example: "myVariableGroupId",
    }),
    name: z.string().trim().min(1).max(200).optional().openapi({
      description:
        "Required for a new group; unique in the project. Messages name the group by it: `{users.first_name}`.",
      example: "users",
    }),
    description: z.string().max(1000).nullable().optional().openapi({ example: "This is my variable group" }),
    fields: z
      .array(FieldName)
      .max(MAX_FIELDS)
      .optional()
      .openapi({
        description: `The variable names (required for a new group; at most ${MAX_FIELDS}). For an existing group these are added to its fields.`,
        example: ["first_name", "last_name"],
      }),
    values: z
      .array(ValuesRow)
      .max(MAX_VALUES_PER_CALL)
      .optional()
      .openapi({
        description: `Values per number (at most ${MAX_VALUES_PER_CALL} per call; use the CSV import for more). A number already in the group keeps the fields not given.`,
      }),
  })
  .openapi("CreateVariableGroup");

export const VariableGroupSchema = z
  .object({
    id: z.string().openapi({ example: "myVariableGroupId" }),
    name: z.string().openapi({ example: "users" }),
    description: z.string().nullable(),
    fields: z.array(z.string()).openapi({ example: ["first_name", "last_name"] }),
    type: z.enum(["values", "input"]).openapi({
      description: "`values`: written by you; `input`: the presses a campaign's input buttons collected",
    }),
    campaignId: z.string().nullable().openapi({ description: "The campaign of an input group" }),
    values: z.number().int().openapi({ description: "Numbers with values in the group" }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("VariableGroup");
export type VariableGroup = z.infer<typeof VariableGroupSchema>;

const success = z.literal("success");

export const VariableGroupResponse = z
  .object({ status: success, variableGroup: VariableGroupSchema })
  .openapi("VariableGroupResult");

// The reference document shows this listing as a bare array: a client reading it expects every
// group, so a page holds as many as a page may.
export const GroupsQuery = PageQuery.extend({
  limit: PageQuery.shape.limit.default(MAX_PAGE_SIZE),
});

export const VariableGroupsResponse = z.array(VariableGroupSchema).openapi("VariableGroups");

export const GroupValuesQuery = PageQuery.extend({ id: ResourceId.openapi({ example: "myVariableGroupId" }) });

export const GroupValuesResponse = z
  .object({
    status: success,
    variableGroup: VariableGroupSchema,
    values: z.array(z.object({ number: z.string() }).catchall(z.string())).openapi({
      example: [{ number: "+911234567890", first_name: "John", last_name: "Doe" }],
    }),
    nextCursor: z.string().nullable(),
  })
  .openapi("VariableGroupValues");
