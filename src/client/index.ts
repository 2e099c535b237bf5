// The package's entry: `import Chat from "<package>"` or `import { Chat, ChatApiError } from …`.
// Runs wherever there is a fetch (Node 18+, browsers, Deno, Workers); it imports nothing else.
import { Chat } from "./chat.js";

export { Chat } from "./chat.js";
export { ChatApiError, type ChatErrorCode, type ChatFieldError } from "./errors.js";
export type { FetchLike } from "./http.js";
export { type ChatOptions, DEFAULT_TIMEOUT_MS } from "./options.js";
export type * from "./types/index.js";
export default Chat;
