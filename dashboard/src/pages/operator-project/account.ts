// The project's WhatsApp account as the operator API answers it (secrets only as "is set").
export interface Account {
  provider: "meta" | "sandbox";
  phoneNumberId: string;
  wabaId: string;
  throughput: number;
  throughputSource: "operator" | "meta";
  marketingMessagesApi: boolean;
  appId: string | null;
  hasAccessToken: boolean;
  hasAppSecret: boolean;
  hasVerifyToken: boolean;
  lastWebhookAt: string | null;
  updatedAt: string;
}

/** What the form holds: the whole account, because a PUT replaces it. */
export interface AccountForm {
  provider: "meta" | "sandbox";
  phoneNumberId: string;
  wabaId: string;
  accessToken: string;
  appSecret: string;
  appId: string;
  throughput: string;
  marketingMessagesApi: boolean;
}

export const emptyForm = (account?: Account | null): AccountForm => ({
  provider: account?.provider ?? "meta",
  phoneNumberId: account?.phoneNumberId ?? "",
  wabaId: account?.wabaId ?? "",
  accessToken: "",
  appSecret: "",
  appId: account?.appId ?? "",
  throughput: account?.throughputSource === "operator" ? String(account.throughput) : "",
  marketingMessagesApi: account?.marketingMessagesApi ?? false,
});

/** The PUT body: empty optional fields are left out, so the API applies its defaults. */
export function accountBody(form: AccountForm, verifyToken: string) {
  return {
    provider: form.provider,
    phoneNumberId: form.phoneNumberId.trim(),
    wabaId: form.wabaId.trim(),
    ...(form.accessToken ? { accessToken: form.accessToken } : {}),
    ...(form.appSecret ? { appSecret: form.appSecret } : {}),
    verifyToken,
    ...(form.appId.trim() ? { appId: form.appId.trim() } : {}),
    ...(form.throughput.trim() ? { throughput: Number(form.throughput) } : {}),
    marketingMessagesApi: form.marketingMessagesApi,
  };
}

/** 32 random bytes, base64url: what Meta's webhook settings are given to echo back. */
export function newVerifyToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
