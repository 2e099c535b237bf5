import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { ChatApiError, type FetchLike } from "../../src/client/index";

export const BASE = "https://example.test";

/** The Worker's own fetch handler as the client's transport. */
export const worker: FetchLike = (input, init) => exports.default.fetch(new Request(input, init));

/** The rejection of `promise`, asserted to be a ChatApiError. */
export async function rejection(promise: Promise<unknown>): Promise<ChatApiError> {
  const error = await promise.then(
    () => expect.fail("the call resolved"),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ChatApiError);
  return error as ChatApiError;
}
