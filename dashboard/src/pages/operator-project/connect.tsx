import { CopyButton } from "../../components/copy-button";
import { when } from "../../components/ui";
import type { Account } from "./account";

const FIELDS =
  "messages, message_template_status_update, template_category_update, message_template_quality_update, phone_number_quality_update, account_update, business_capability_update, user_preferences";

/**
 * What to paste into Meta's webhook settings, and whether Meta's webhook has reached this Worker
 * since (`lastWebhookAt`: its verification with this token, or a delivery for this number).
 */
export function Connect({
  account,
  verifyToken,
  busy,
  checking,
  onNewToken,
  onCheck,
}: {
  account: Account | null;
  verifyToken: string | null;
  busy: boolean;
  checking: boolean;
  onNewToken: () => void;
  onCheck: () => void;
}) {
  const callback = `${location.origin}/webhooks/whatsapp`;
  return (
    <section aria-labelledby="connect-title">
      <h3 id="connect-title">Connect WhatsApp</h3>
      <p>In Meta's App Dashboard → WhatsApp → Configuration → Webhook, paste:</p>
      <dl class="facts">
        <dt>Callback URL</dt>
        <dd>
          <code id="callback-url">{callback}</code> <CopyButton text={callback} label="Copy callback URL" />
        </dd>
        <dt>Verify token</dt>
        <dd>
          {verifyToken ? (
            <>
              <code id="verify-token">{verifyToken}</code> <CopyButton text={verifyToken} label="Copy verify token" />
              <p class="once">
                Shown once: only its hash is kept. Paste it into Meta now; after leaving this page, saving makes a new
                one.
              </p>
            </>
          ) : account ? (
            <span>
              {account.hasVerifyToken ? "Set, and never shown again. " : "None yet. "}
              <button type="button" disabled={busy} onClick={onNewToken}>
                Make a new verify token
              </button>{" "}
              <small class="muted">(saves the connection with the form's values)</small>
            </span>
          ) : (
            <span class="muted">Save the connection first: a verify token is made with it.</span>
          )}
        </dd>
      </dl>
      <p class="muted">Then press "Verify and save" there, and subscribe to the fields {FIELDS}.</p>
      <h3>Has Meta's webhook reached this Worker?</h3>
      <div role="status" aria-live="polite">
        {account?.lastWebhookAt ? (
          <p class="ok">Meta's webhook reached this Worker at {when(account.lastWebhookAt)}.</p>
        ) : (
          <p class="warn">
            Not yet: paste the callback URL and verify token above into Meta's webhook settings and press "Verify and
            save" (Meta calls this Worker at once), then check again.
          </p>
        )}
      </div>
      <button type="button" onClick={onCheck} disabled={checking || !account}>
        Check again
      </button>
    </section>
  );
}
