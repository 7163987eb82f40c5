// End-to-end encryption with matrix-js-sdk's Rust crypto (initRustCrypto,
// in-memory store) against a real plexus: two users in an encrypted room
// exchange messages that both decrypt (device keys, one-time key claims,
// to-device room keys through /sync), then bootstrap cross-signing and key
// backup (the room's sessions land in it encrypted). Fails if the server
// logged an error.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

import { exitSoonAfterTests, membership, signUp, startAndSync, timelineBodies, waitUntil, withTimeout, PASSWORD } from "./helpers.js";
import { startServer } from "./server.js";

logger.setLevel("error");

const WAIT_MS = 30_000;

/** Bodies of decrypted messages: an encrypted event counts once its clear content is known. */
function clearBodies(client, roomId) {
  const room = client.getRoom(roomId);
  return room ? timelineBodies(room) : [];
}

/** Resolves once the async `check()` is truthy (checked every 250 ms). */
async function poll(check, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${ms} ms: ${what}`);
}

describe("matrix-js-sdk Rust crypto against plexus", { timeout: 240_000 }, () => {
  let server;
  let alice;
  let bob;
  let roomId;
  let bobPhone;

  before(async () => {
    server = await startServer();
    alice = await signUp(server.baseUrl, "alice");
    bob = await signUp(server.baseUrl, "bob");
    for (const client of [alice, bob]) {
      await client.initRustCrypto({ useIndexedDB: false });
      await startAndSync(client);
    }
  });

  after(async () => {
    for (const client of [alice, bob, bobPhone]) client?.stopClient();
    const log = server?.log() ?? "";
    await server?.stop();
    const warnings = log.split("\n").filter((line) => /WARN/.test(line));
    if (warnings.length) console.log(`server warnings:\n${warnings.join("\n")}`);
    const errors = log.split("\n").filter((line) => /ERROR|panicked/.test(line));
    exitSoonAfterTests();
    assert.deepEqual(errors, [], "the server logged errors");
    exitSoonAfterTests();
  });

  it("uploaded device keys and one-time keys for both devices", async () => {
    // Bob's client uploads its keys in the background after its first sync,
    // so alice may have to ask again before they are there.
    const knowsBob = async () => {
      const keys = await alice.getCrypto().getUserDeviceInfo([bob.getUserId()], true);
      return keys.get(bob.getUserId())?.has(bob.getDeviceId());
    };
    await poll(knowsBob, WAIT_MS, "alice downloads bob's device keys");
  });

  it("exchanges messages in an encrypted room that both sides decrypt", async () => {
    ({ room_id: roomId } = await alice.createRoom({
      preset: sdk.Preset.PrivateChat,
      invite: [bob.getUserId()],
      initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    }));
    await waitUntil(bob, sdk.RoomMemberEvent.Membership, () => membership(bob, roomId, bob.getUserId()) === "invite", WAIT_MS, "bob sees the invite");
    await withTimeout(bob.joinRoom(roomId), WAIT_MS, "bob joins");
    await waitUntil(alice, sdk.RoomMemberEvent.Membership, () => membership(alice, roomId, bob.getUserId()) === "join", WAIT_MS, "alice sees bob join");
    assert.ok(await alice.getCrypto().isEncryptionEnabledInRoom(roomId), "room is encrypted for alice");

    await withTimeout(alice.sendTextMessage(roomId, "secret from alice"), WAIT_MS, "alice sends");
    await waitUntil(bob, sdk.RoomEvent.Timeline, () => clearBodies(bob, roomId).includes("secret from alice"), WAIT_MS, "bob decrypts alice's message");
    await withTimeout(bob.sendTextMessage(roomId, "secret from bob"), WAIT_MS, "bob sends");
    await waitUntil(alice, sdk.RoomEvent.Timeline, () => clearBodies(alice, roomId).includes("secret from bob"), WAIT_MS, "alice decrypts bob's message");

    const raw = bob.getRoom(roomId).getLiveTimeline().getEvents().find((e) => e.getContent().body === "secret from alice");
    assert.equal(raw.getWireType(), "m.room.encrypted", "the server only saw ciphertext");
  });

  it("encrypts to a device bob logs in later (device list change through /sync)", async () => {
    const login = await sdk.createClient({ baseUrl: server.baseUrl }).loginRequest({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: bob.getUserId() },
      password: PASSWORD,
    });
    bobPhone = sdk.createClient({
      baseUrl: server.baseUrl,
      accessToken: login.access_token,
      userId: login.user_id,
      deviceId: login.device_id,
    });
    await bobPhone.initRustCrypto({ useIndexedDB: false });
    await startAndSync(bobPhone);
    // Alice's client must learn of the new device from device_lists.changed before it sends.
    await poll(
      async () => (await alice.getCrypto().getUserDeviceInfo([bob.getUserId()])).get(bob.getUserId())?.has(login.device_id),
      WAIT_MS,
      "alice sees bob's new device",
    );
    await withTimeout(alice.sendTextMessage(roomId, "for both of bob's devices"), WAIT_MS, "alice sends again");
    await waitUntil(bobPhone, sdk.RoomEvent.Timeline, () => clearBodies(bobPhone, roomId).includes("for both of bob's devices"), WAIT_MS, "bob's new device decrypts");
    await waitUntil(bob, sdk.RoomEvent.Timeline, () => clearBodies(bob, roomId).includes("for both of bob's devices"), WAIT_MS, "bob's first device decrypts");
  });

  it("bootstraps cross-signing (first upload needs no password) and a key backup", async () => {
    const crypto = alice.getCrypto();
    await withTimeout(
      crypto.bootstrapCrossSigning({
        authUploadDeviceSigningKeys: async (makeRequest) => {
          try {
            await makeRequest(null);
          } catch (error) {
            if (error.httpStatus !== 401) throw error;
            await makeRequest({
              type: "m.login.password",
              identifier: { type: "m.id.user", user: alice.getUserId() },
              password: PASSWORD,
              session: error.data?.session,
            });
          }
        },
      }),
      WAIT_MS,
      "alice bootstraps cross-signing",
    );
    const status = await crypto.getCrossSigningStatus();
    assert.ok(status.publicKeysOnDevice, "cross-signing keys are on the device");
    // The device signature goes up by /keys/signatures/upload; the SDK sees it after its next /keys/query.
    await poll(
      async () => (await crypto.getDeviceVerificationStatus(alice.getUserId(), alice.getDeviceId()))?.crossSigningVerified,
      WAIT_MS,
      "alice's device is signed by her self-signing key",
    );

    await withTimeout(crypto.resetKeyBackup(), WAIT_MS, "alice creates a key backup");
    const backup = await alice.getKeyBackupVersion();
    assert.ok(backup?.version, "a backup version exists");
    assert.equal(backup.algorithm, "m.megolm_backup.v1.curve25519-aes-sha2");
    // The SDK backs up the room's megolm sessions in the background (PUT /room_keys/keys).
    await poll(async () => (await alice.getKeyBackupVersion())?.count > 0, WAIT_MS, "alice's room keys reach the backup");
    const stored = await alice.http.authedRequest(sdk.Method.Get, "/room_keys/keys", { version: backup.version });
    const sessions = Object.values(stored.rooms?.[roomId]?.sessions ?? {});
    assert.ok(sessions.length > 0, "the encrypted room's sessions are in the backup");
    assert.ok(sessions.every((s) => s.session_data?.ciphertext), "backed-up keys are encrypted");
    // Let the SDK finish its background requests (key queries) before it is stopped.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  });
});
