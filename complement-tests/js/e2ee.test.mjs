// End-to-end encryption with matrix-js-sdk's Rust crypto (initRustCrypto,
// in-memory store) against a real plexus: two users in an encrypted room
// exchange messages that both decrypt (device keys, one-time key claims,
// to-device room keys through /sync), then bootstrap cross-signing and key
// backup (the room's sessions land in it encrypted). Bob then sees alice's
// device as signed by its owner (device-list update after her cross-signing
// upload), and a second device of alice, logged in after the first one was
// stopped, decrypts the room's history through the key backup alone. Fails
// if the server logged an error.

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
  let aliceLaptop;

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
    for (const client of [alice, bob, bobPhone, aliceLaptop]) client?.stopClient();
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
    // Control for the next test: before the bootstrap, bob knows no identity of alice's.
    const before = await bob.getCrypto().getDeviceVerificationStatus(alice.getUserId(), alice.getDeviceId());
    assert.equal(before?.signedByOwner, false, "alice's device is not cross-signed yet");
    await assert.rejects(bob.getCrypto().pinCurrentUserIdentity(alice.getUserId()), /unknown user/, "bob has no identity for alice yet");
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

  it("shows bob alice's device as signed by its owner (device-list update after her cross-signing upload)", async () => {
    const crypto = bob.getCrypto();
    const [aliceId, deviceId] = [alice.getUserId(), alice.getDeviceId()];
    // No forced download: bob's client must learn of the new keys from
    // device_lists.changed in /sync and re-query them (POST /keys/query).
    let status;
    await poll(
      async () => (status = await crypto.getDeviceVerificationStatus(aliceId, deviceId))?.signedByOwner,
      WAIT_MS,
      "bob sees alice's device signed by her self-signing key",
    );
    // Signed by alice's (verified-by-nobody-yet) identity: cross-signed, but bob
    // has not verified alice, so not cross-signing-verified from his side.
    assert.equal(status.signedByOwner, true);
    assert.equal(status.crossSigningVerified, false, "bob has not verified alice's identity");
    assert.equal(status.localVerified, false);
    assert.equal(status.isVerified(), false);
    // Bob now knows alice's master key: first sight of it needs no approval,
    // it is not verified by bob, and pinning it works (throws for unknown users).
    const user = await crypto.getUserVerificationStatus(aliceId);
    assert.equal(user.isCrossSigningVerified(), false);
    assert.equal(user.wasCrossSigningVerified(), false);
    assert.equal(user.needsUserApproval, false, "alice's first identity needs no approval");
    await crypto.pinCurrentUserIdentity(aliceId);
    // Alice's own view: her identity is verified by herself.
    assert.equal((await alice.getCrypto().getUserVerificationStatus(aliceId)).isCrossSigningVerified(), true);
  });

  it("decrypts history on alice's later device through the key backup only (first device stopped)", async () => {
    // Every megolm session the room's encrypted events use (alice's and bob's) must be in the backup.
    const encrypted = alice
      .getRoom(roomId)
      .getLiveTimeline()
      .getEvents()
      .filter((event) => event.getWireType() === "m.room.encrypted" && event.getType() === "m.room.message");
    const expected = encrypted.map((event) => event.getContent().body);
    assert.deepEqual(
      [...expected].sort(),
      ["for both of bob's devices", "secret from alice", "secret from bob"],
      "alice's first device has the three encrypted messages",
    );
    const sessionIds = new Set(encrypted.map((event) => event.getWireContent().session_id));
    const backup = await alice.getKeyBackupVersion();
    await poll(
      async () => {
        const stored = await alice.http.authedRequest(sdk.Method.Get, "/room_keys/keys", { version: backup.version });
        const ids = Object.keys(stored.rooms?.[roomId]?.sessions ?? {});
        return [...sessionIds].every((id) => ids.includes(id));
      },
      WAIT_MS,
      "every session of the room's messages is in the backup",
    );
    const backupKey = await alice.getCrypto().getSessionBackupPrivateKey();
    assert.ok(backupKey?.length, "alice's first device holds the backup decryption key");
    // The first device goes away before the second exists: it cannot forward room keys.
    alice.stopClient();

    const login = await sdk.createClient({ baseUrl: server.baseUrl }).loginRequest({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: alice.getUserId() },
      password: PASSWORD,
    });
    assert.notEqual(login.device_id, alice.getDeviceId());
    aliceLaptop = sdk.createClient({
      baseUrl: server.baseUrl,
      accessToken: login.access_token,
      userId: login.user_id,
      deviceId: login.device_id,
    });
    await aliceLaptop.initRustCrypto({ useIndexedDB: false });
    // One event per room in the initial sync: the older ones need back-pagination.
    await startAndSync(aliceLaptop, { initialSyncLimit: 1 });
    const room = aliceLaptop.getRoom(roomId);
    assert.ok(room, "the new device sees the room");
    const encryptedMessages = () =>
      room
        .getLiveTimeline()
        .getEvents()
        .filter((event) => event.getWireType() === "m.room.encrypted" && event.getWireContent().algorithm === "m.megolm.v1.aes-sha2");
    const deadline = Date.now() + WAIT_MS;
    while (encryptedMessages().length < expected.length) {
      assert.ok(room.getLiveTimeline().getPaginationToken(sdk.EventTimeline.BACKWARDS), "history ends before the messages");
      assert.ok(Date.now() < deadline, "timed out paginating the room history back");
      await withTimeout(aliceLaptop.scrollback(room, 10), WAIT_MS, "the new device paginates back");
    }
    // Without the backup key the old messages cannot be decrypted here.
    await waitUntil(
      aliceLaptop,
      sdk.MatrixEventEvent.Decrypted,
      () => encryptedMessages().every((event) => event.isDecryptionFailure()),
      WAIT_MS,
      "the old messages are undecryptable on the new device",
    );

    await aliceLaptop.getCrypto().storeSessionBackupPrivateKey(backupKey, backup.version);
    const restored = await withTimeout(aliceLaptop.getCrypto().restoreKeyBackup(), WAIT_MS, "the new device restores the key backup");
    assert.ok(restored.imported >= sessionIds.size, `imported ${restored.imported} of ${restored.total} keys`);
    await waitUntil(
      aliceLaptop,
      sdk.MatrixEventEvent.Decrypted,
      () => encryptedMessages().every((event) => !event.isDecryptionFailure() && event.getType() === "m.room.message"),
      WAIT_MS,
      "the old messages decrypt on the new device",
    );
    assert.deepEqual(encryptedMessages().map((event) => event.getContent().body).sort(), [...expected].sort());
    // Let the SDK finish its background requests before it is stopped.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  });
});
