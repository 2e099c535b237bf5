import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { ApiFailure, get, post } from "../api";
import { ErrorNote, Field, Page } from "../components/ui";
import { useApi } from "../components/use-api";
import { isManager, useSession } from "../session";
import { ButtonsEditor, toRequest } from "./new-broadcast/buttons-editor";
import { MessageField } from "./new-broadcast/message-field";
import { AudiencePicker, GroupPicker } from "./new-broadcast/pick-targets";
import { Preview } from "./new-broadcast/preview";
import { RunChoice, type RunMode, scheduledIso } from "./new-broadcast/run-choice";
import type { CreateCampaignResponse, DraftButton, VariableGroup } from "./new-broadcast/types";

// One empty list for every render while the groups load: the preview re-renders when the list changes.
const NO_GROUPS: VariableGroup[] = [];

const describedBy = (error: Error | undefined, name: string) =>
  error instanceof ApiFailure && error.fieldMessage(name) ? `f-${name}-error` : undefined;

export function NewBroadcast() {
  const { session } = useSession();
  const { route } = useLocation();
  const [title, setTitle] = useState("");
  const [message, setMessage] = useState("");
  const [templateType, setTemplateType] = useState("MARKETING");
  const [language, setLanguage] = useState("en_US");
  const [audiences, setAudiences] = useState<string[]>([]);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [buttons, setButtons] = useState<DraftButton[]>([]);
  const [mode, setMode] = useState<RunMode>("now");
  const [at, setAt] = useState("");
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  // The listing answers every group in one array (up to 500), as the reference document shows it.
  const groups = useApi(() => get<VariableGroup[]>("/v1/retrieve/variable/groups"), []);
  const allGroups = groups.data ?? NO_GROUPS;
  const chosenGroups = allGroups.filter((g) => groupIds.includes(g.id));

  if (!isManager(session)) {
    return (
      <Page title="New broadcast">
        <p>Broadcasts are created with a manager key; this session's key is a sender key.</p>
      </Page>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    const timeToRun = mode === "later" ? scheduledIso(at) : null;
    if (mode === "later" && !timeToRun) {
      const field = { field: "options.timeToRun", in: "body", message: "choose a date and time" };
      setError(new ApiFailure(400, "validation_failed", "Choose when to send the broadcast", [field]));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const created = await post<CreateCampaignResponse>("/v1/create/campaign", {
        title,
        message,
        templateType,
        ...(buttons.length > 0 ? { buttons: buttons.map(toRequest) } : {}),
        options: { runImmediately: true, audiences, languageCode: language, ...(timeToRun ? { timeToRun } : {}) },
      });
      route(`/app/campaigns/${created.campaign.campaignId}`);
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };

  return (
    <Page title="New broadcast">
      <div class="compose">
        <form onSubmit={submit} noValidate>
          <Field label="Title" name="title" error={error} hint="Unique among your broadcasts; 1–100 characters.">
            <input
              id="f-title"
              value={title}
              required
              aria-describedby={describedBy(error, "title")}
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
          </Field>
          <AudiencePicker chosen={audiences} onChange={setAudiences} error={error} />
          <ErrorNote error={groups.error} />
          <GroupPicker groups={allGroups} chosen={groupIds} onChange={setGroupIds} />
          <MessageField value={message} onChange={setMessage} groups={chosenGroups} error={error} />
          <div class="grid-2">
            <Field label="Category" name="templateType" error={error}>
              <select id="f-templateType" value={templateType} onChange={(e) => setTemplateType(e.currentTarget.value)}>
                <option value="MARKETING">Marketing</option>
                <option value="UTILITY">Utility</option>
              </select>
            </Field>
            <Field label="Language" name="options.languageCode" error={error} hint="Meta's code, e.g. en_US or pt_BR.">
              <input
                id="f-options.languageCode"
                value={language}
                aria-describedby={describedBy(error, "options.languageCode")}
                onInput={(e) => setLanguage(e.currentTarget.value)}
              />
            </Field>
          </div>
          <ButtonsEditor buttons={buttons} onChange={setButtons} error={error} />
          <RunChoice mode={mode} at={at} onMode={setMode} onAt={setAt} error={error} />
          <ErrorNote error={error} />
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Creating…" : mode === "now" ? "Create and send now" : "Create and schedule"}
            </button>
          </div>
        </form>
        <Preview message={message} audiences={audiences} groups={allGroups} buttons={buttons} />
      </div>
    </Page>
  );
}
