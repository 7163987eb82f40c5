// Helpers for the matrix-js-sdk test: bounded waits, and sign-up through
// the SDK's registerRequest with the m.login.dummy interactive-auth stage.

import * as sdk from "matrix-js-sdk";

export const PASSWORD = "correct horse battery staple";

/** Rejects with `what` if `promise` does not settle within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves when `check()` is truthy, re-checking on every `event` of
 * `emitter` (and every 250 ms, for events raised before we listened).
 */
export function waitUntil(emitter, event, check, ms, what) {
  let listener;
  let interval;
  const done = new Promise((resolve) => {
    const probe = () => {
      const value = check();
      if (value) resolve(value);
    };
    listener = probe;
    emitter.on(event, listener);
    interval = setInterval(probe, 250);
    probe();
  });
  return withTimeout(done, ms, what).finally(() => {
    emitter.off(event, listener);
    clearInterval(interval);
  });
}

/** Signs `username` up (UIA: dummy stage) and returns a logged-in client. */
export async function signUp(baseUrl, username) {
  const anonymous = sdk.createClient({ baseUrl });
  let session;
  try {
    await anonymous.registerRequest({ username, password: PASSWORD });
    throw new Error("registration without auth unexpectedly succeeded");
  } catch (error) {
    if (error.httpStatus !== 401 || !error.data?.session) throw error;
    session = error.data.session;
  }
  const response = await anonymous.registerRequest({
    username,
    password: PASSWORD,
    auth: { type: "m.login.dummy", session },
  });
  return sdk.createClient({
    baseUrl,
    accessToken: response.access_token,
    userId: response.user_id,
    deviceId: response.device_id,
  });
}

/**
 * Starts the client's sync loop and waits for the first complete sync. On
 * timeout the error names the last sync error the SDK reported.
 */
export async function startAndSync(client, opts = {}) {
  let lastError;
  const recordError = (_state, _prev, data) => {
    if (data?.error) lastError = data.error;
  };
  client.on(sdk.ClientEvent.Sync, recordError);
  const ready = () => [sdk.SyncState.Prepared, sdk.SyncState.Syncing].includes(client.getSyncState());
  try {
    await client.startClient({ initialSyncLimit: 20, ...opts });
    await waitUntil(client, sdk.ClientEvent.Sync, ready, 20_000, `${client.getUserId()} initial sync`);
  } catch (error) {
    const cause = lastError ? ` (last sync error: ${lastError.message ?? lastError})` : "";
    throw new Error(`${error.message}${cause}`);
  } finally {
    client.off(sdk.ClientEvent.Sync, recordError);
  }
}

/** `content.body` of the m.room.message events in the room's live timeline. */
export function timelineBodies(room) {
  return room
    .getLiveTimeline()
    .getEvents()
    .filter((event) => event.getType() === "m.room.message")
    .map((event) => event.getContent().body);
}

export function membership(client, roomId, userId) {
  return client.getRoom(roomId)?.getMember(userId)?.membership;
}

/**
 * matrix-js-sdk (36.x) leaves a 110 s timer behind for every /sync request
 * (`timeoutSignal` in http-api/utils.js never clears its setTimeout), which
 * keeps the test process alive long after the clients were stopped. Call
 * from the last `after` hook: the process exits `ms` later, once the test
 * runner has reported, with the exit code the runner chose.
 */
export function exitSoonAfterTests(ms = 1000) {
  setTimeout(() => process.exit(), ms).unref();
}
