import { useState } from "preact/hooks";
import type { ApiCampaignSendResponse } from "../../../../src/client/types";
import { post } from "../../api";
import { GroupField, messagesUnder } from "../../components/group-field";
import { ErrorNote, Field } from "../../components/ui";
import { useSubmit } from "../../components/use-submit";
import { SEND_PATH } from "./curl";
import { CurlBox } from "./curl-box";
import { paramSlots, takesLocation, takesMedia } from "./params";
import { EMPTY_SEND, type SendDraft, sendBody } from "./send-body";
import type { ApiCampaign } from "./types";

/** One message through the API campaign send, as a CRM would make it, and the request to copy. */
export function SendForm({ campaigns }: { campaigns: ApiCampaign[] }) {
  const live = campaigns.filter((c) => c.status === "live" && c.template);
  const [draft, setDraft] = useState<SendDraft>(EMPTY_SEND);
  const [answer, setAnswer] = useState<ApiCampaignSendResponse>();
  const campaignName = draft.campaignName || live[0]?.name || "";
  const template = live.find((c) => c.name === campaignName)?.template ?? undefined;
  const slots = template ? paramSlots(template.params) : [];
  const body = sendBody({ ...draft, campaignName }, template?.params, slots.length);

  const set = (k: keyof SendDraft) => (e: Event) =>
    setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });
  const setParam = (i: number, value: string) => {
    const params = [...draft.params];
    params[i] = value;
    setDraft({ ...draft, params });
  };
  const { submit, busy, error } = useSubmit(async () => {
    setAnswer(undefined);
    setAnswer(await post<ApiCampaignSendResponse>(SEND_PATH, body));
  });

  if (live.length === 0) return <p class="muted">No live API campaign with a template to send from.</p>;
  return (
    <div class="grid-2">
      <form onSubmit={submit} aria-label="Send one message">
        <Field label="Campaign" name="campaignName" error={error}>
          <select
            id="f-campaignName"
            value={campaignName}
            onChange={(e) => setDraft({ ...draft, campaignName: e.currentTarget.value, params: [] })}
          >
            {live.map((c) => (
              <option key={c.id} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Destination" name="destination" error={error} hint="With country code, e.g. +917428526285">
          <input id="f-destination" required type="tel" value={draft.destination} onInput={set("destination")} />
        </Field>
        <Field label="User name" name="userName" error={error}>
          <input id="f-userName" required value={draft.userName} onInput={set("userName")} />
        </Field>
        <Field label="Lead source" name="source" error={error} hint="Optional">
          <input id="f-source" value={draft.source} onInput={set("source")} />
        </Field>
        {slots.length > 0 ? (
          <fieldset>
            <legend>Template parameters</legend>
            <GroupField id="f-param-0" label={slots[0] ?? ""} messages={messagesUnder(error, "templateParams")}>
              <input id="f-param-0" value={draft.params[0] ?? ""} onInput={(e) => setParam(0, e.currentTarget.value)} />
            </GroupField>
            {slots.slice(1).map((label, j) => (
              <div class="field" key={`${campaignName}-${label}`}>
                <label for={`f-param-${j + 1}`}>{label}</label>
                <input
                  id={`f-param-${j + 1}`}
                  value={draft.params[j + 1] ?? ""}
                  onInput={(e) => setParam(j + 1, e.currentTarget.value)}
                />
              </div>
            ))}
          </fieldset>
        ) : null}
        {template && takesMedia(template.params) ? (
          <GroupField id="f-mediaUrl" label="Header media URL" messages={messagesUnder(error, "media")}>
            <input id="f-mediaUrl" type="url" required value={draft.mediaUrl} onInput={set("mediaUrl")} />
          </GroupField>
        ) : null}
        {template && takesLocation(template.params) ? <LocationFields draft={draft} set={set} error={error} /> : null}
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Send message
        </button>
        {answer ? <Answer answer={answer} /> : null}
      </form>
      <CurlBox body={body} />
    </div>
  );
}

function LocationFields({
  draft,
  set,
  error,
}: {
  draft: SendDraft;
  set: (k: keyof SendDraft) => (e: Event) => void;
  error: Error | undefined;
}) {
  return (
    <fieldset>
      <legend>Location header</legend>
      <GroupField id="f-latitude" label="Latitude" messages={messagesUnder(error, "location")}>
        <input id="f-latitude" required inputMode="decimal" value={draft.latitude} onInput={set("latitude")} />
      </GroupField>
      <div class="field">
        <label for="f-longitude">Longitude</label>
        <input id="f-longitude" required inputMode="decimal" value={draft.longitude} onInput={set("longitude")} />
      </div>
      <div class="field">
        <label for="f-placeName">Place name</label>
        <input id="f-placeName" value={draft.placeName} onInput={set("placeName")} />
      </div>
      <div class="field">
        <label for="f-address">Address</label>
        <input id="f-address" value={draft.address} onInput={set("address")} />
      </div>
    </fieldset>
  );
}

function Answer({ answer }: { answer: ApiCampaignSendResponse }) {
  return (
    <section aria-labelledby="answer-title" role="status">
      <h3 id="answer-title">The API's answer</h3>
      <p>
        {answer.message}: <strong>{answer.status}</strong>
        {answer.skipReason ? ` (${answer.skipReason})` : ""} to {answer.destination}, message{" "}
        <code>{answer.messageId}</code>.
      </p>
      <pre>{JSON.stringify(answer, null, 2)}</pre>
    </section>
  );
}
