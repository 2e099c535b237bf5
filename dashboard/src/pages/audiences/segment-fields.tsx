import type { BehaviourCondition, SegmentFilter } from "../../../../src/client/types";
import { GroupField, listOf, messagesUnder } from "../../components/group-field";

export interface SegmentDraft {
  tags: string;
  anyTags: string;
  notTags: string;
  source: string;
  optedOut: "" | "true" | "false";
  campaignId: string;
  did: BehaviourCondition["did"];
}

export const EMPTY_SEGMENT: SegmentDraft = {
  tags: "",
  anyTags: "",
  notTags: "",
  source: "",
  optedOut: "",
  campaignId: "",
  did: "received",
};

/** Only the conditions filled in: the API ANDs every condition given. */
export function filterOf(d: SegmentDraft): SegmentFilter {
  const filter: SegmentFilter = {};
  const tags = listOf(d.tags);
  const anyTags = listOf(d.anyTags);
  const notTags = listOf(d.notTags);
  const sources = listOf(d.source);
  if (tags) filter.tags = tags;
  if (anyTags) filter.anyTags = anyTags;
  if (notTags) filter.notTags = notTags;
  if (sources) filter.source = sources.length === 1 ? sources[0] : sources;
  if (d.optedOut) filter.optedOut = d.optedOut === "true";
  if (d.campaignId.trim()) filter.behaviour = [{ campaignId: d.campaignId.trim(), did: d.did }];
  return filter;
}

const DID: { value: BehaviourCondition["did"]; label: string }[] = [
  { value: "received", label: "received it" },
  { value: "read", label: "read it" },
  { value: "replied", label: "replied to it" },
  { value: "pressed", label: "pressed a button" },
  { value: "not_received", label: "did not receive it" },
  { value: "not_read", label: "did not read it" },
  { value: "not_replied", label: "did not reply" },
];

export function SegmentFields({
  draft,
  onChange,
  error,
}: {
  draft: SegmentDraft;
  onChange: (d: SegmentDraft) => void;
  error: Error | undefined;
}) {
  const set = (k: keyof SegmentDraft) => (e: Event) =>
    onChange({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });
  const text = (k: "tags" | "anyTags" | "notTags" | "source", label: string, hint: string) => (
    <GroupField id={`f-${k}`} label={label} hint={hint} messages={messagesUnder(error, `filter.${k}`)}>
      <input id={`f-${k}`} value={draft[k]} onInput={set(k)} />
    </GroupField>
  );
  return (
    <fieldset>
      <legend>Who matches (every condition filled in must hold)</legend>
      {text("tags", "Has every tag", "Comma-separated tag names")}
      {text("anyTags", "Has at least one tag", "Comma-separated tag names")}
      {text("notTags", "Has none of the tags", "Comma-separated tag names")}
      {text("source", "Lead source", "One source, or several comma-separated")}
      <GroupField id="f-optedOut" label="Opted out" messages={messagesUnder(error, "filter.optedOut")}>
        <select id="f-optedOut" value={draft.optedOut} onChange={set("optedOut")}>
          <option value="">Either</option>
          <option value="false">Not opted out</option>
          <option value="true">Opted out</option>
        </select>
      </GroupField>
      <GroupField
        id="f-campaignId"
        label="Past campaign id"
        hint="Optional: match on what they did with this campaign"
        messages={messagesUnder(error, "filter.behaviour")}
      >
        <input id="f-campaignId" value={draft.campaignId} onInput={set("campaignId")} placeholder="cmp_…" />
      </GroupField>
      <div class="field">
        <label for="f-did">What they did with it</label>
        <select id="f-did" value={draft.did} onChange={set("did")} disabled={!draft.campaignId.trim()}>
          {DID.map((d) => (
            <option key={d.value} value={d.value}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
    </fieldset>
  );
}
