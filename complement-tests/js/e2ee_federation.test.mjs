// End-to-end encryption across servers with matrix-js-sdk's Rust crypto:
// alice on a Plexus, bob on a second server (another Plexus, then Synapse),
// federating over TLS on loopback with certificates from a test CA. Each
// user has two devices (two clients with their own crypto). Each side sees
// the other's two devices (remote /keys/query), then in an encrypted DM that
// alice starts, and in a second one bob starts, every device sends a message
// and every device decrypts every message: one-time key claims across
// servers, olm-encrypted room keys as to-device messages over federation,
// megolm events in the federated room. Then each user logs in a third
// device: the other side learns of it from device_lists.changed (an
// m.device_list_update EDU, no forced key download) and encrypts to it.
// Fails if a server logged an error.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

import { makePki, secondDevice, startFederatedPlexus, startSynapse } from "./federation.js";
import { exitSoonAfterTests, membership, signUp, startAndSync, timelineBodies, waitUntil, withTimeout } from "./helpers.js";

logger.setLevel("error");
// The SDK's per-room and Rust-crypto loggers log at debug level regardless,
// and warn of every undecryptable old event on a new device (expected here);
// PLEXUS_JS_SDK_DEBUG=1 keeps their output (thousands of lines) for debugging.
if (!process.env.PLEXUS_JS_SDK_DEBUG) {
  console.debug = () => {};
  console.info = () => {};
  console.warn = () => {};
}

const WAIT_MS = 30_000;

/** Resolves once the async `check()` is truthy (checked every 250 ms). */
async function poll(check, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${ms} ms: ${what}`);
}

/** A device's name for messages: `alice#1`. */
function label(device) {
  return `${device.getUserId().slice(1, device.getUserId().indexOf(":"))}#${device.deviceNumber}`;
}

/** What a device holds of the room's encrypted events, for failure messages. */
function describeRoom(device, roomId) {
  const events = device.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [];
  const encrypted = events.filter((event) => event.getWireType() === "m.room.encrypted");
  const states = encrypted.map((event) =>
    event.isDecryptionFailure() ? `undecryptable(${event.decryptionFailureReason})` : `${event.getType()}:${event.getContent().body}`,
  );
  return `${label(device)}: [${states.join(", ")}]`;
}

/** Waits until every device has decrypted `body` in the room. */
async function everyDeviceDecrypts(devices, roomId, body) {
  const decrypted = (device) => {
    const room = device.getRoom(roomId);
    return room && timelineBodies(room).includes(body);
  };
  try {
    await Promise.all(
      devices.map((device) => waitUntil(device, sdk.MatrixEventEvent.Decrypted, () => decrypted(device), WAIT_MS, `${label(device)} decrypts "${body}"`)),
    );
  } catch (error) {
    throw new Error(`${error.message}\n${devices.map((device) => describeRoom(device, roomId)).join("\n")}`);
  }
  for (const device of devices) {
    const event = device.getRoom(roomId).getLiveTimeline().getEvents().find((e) => e.getContent().body === body);
    assert.equal(event.getWireType(), "m.room.encrypted", `${label(device)} received "${body}" as ciphertext`);
  }
}

/** The two device IDs `viewer` knows for `userId`, downloaded afresh (remote keys go over federation). */
async function knownDevices(viewer, userId) {
  const devices = await viewer.getCrypto().getUserDeviceInfo([userId], true);
  return [...(devices.get(userId)?.keys() ?? [])].sort();
}

/**
 * `inviter` starts an encrypted DM with the other user (of `invitee`'s
 * devices, the first joins through `viaServer`); each of the four devices
 * then sends one message and all four decrypt each.
 */
async function encryptedConversation({ inviter, invitee, viaServer, devices, tag }) {
  const { room_id: roomId } = await withTimeout(
    inviter.createRoom({
      preset: sdk.Preset.TrustedPrivateChat,
      is_direct: true,
      invite: [invitee.getUserId()],
      initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    }),
    WAIT_MS,
    `${label(inviter)} creates the DM`,
  );
  const inviteeId = invitee.getUserId();
  await waitUntil(invitee, sdk.RoomMemberEvent.Membership, () => membership(invitee, roomId, inviteeId) === "invite", WAIT_MS, `${label(invitee)} sees the invite`);
  await withTimeout(invitee.joinRoom(roomId, { viaServers: [viaServer] }), WAIT_MS, `${label(invitee)} joins over federation`);
  for (const device of devices) {
    await waitUntil(device, sdk.RoomMemberEvent.Membership, () => membership(device, roomId, inviteeId) === "join", WAIT_MS, `${label(device)} sees the join`);
  }
  for (const device of devices) {
    assert.ok(await device.getCrypto().isEncryptionEnabledInRoom(roomId), `the room is encrypted for ${label(device)}`);
  }
  for (const sender of devices) {
    const body = `${tag}: secret from ${label(sender)}`;
    await withTimeout(sender.sendTextMessage(roomId, body), WAIT_MS, `${label(sender)} sends`);
    await everyDeviceDecrypts(devices, roomId, body);
  }
  return roomId;
}

/** Whether `viewer` knows `device` of its owner, from its cache only (no forced download). */
async function knowsDevice(viewer, device) {
  const devices = await viewer.getCrypto().getUserDeviceInfo([device.getUserId()]);
  return devices.get(device.getUserId())?.has(device.getDeviceId());
}

/** The scenario against one pair of servers: A is always Plexus, B is `startB`'s server. */
function crossServerScenario(name, startB) {
  describe(`matrix-js-sdk Rust crypto across servers: Plexus ↔ ${name}`, { timeout: 300_000 }, () => {
    let pki;
    let serverA;
    let serverB;
    const devices = [];
    let alice;
    let bob;
    let aliceRoom;

    before(async () => {
      const started = Date.now();
      pki = makePki();
      serverA = await startFederatedPlexus(pki.issue(), pki.caFile);
      serverB = await startB(pki.issue(), pki.caFile);
      for (const [server, user] of [[serverA, "alice"], [serverB, "bob"]]) {
        const first = await signUp(server.baseUrl, user);
        const second = await secondDevice(first);
        first.deviceNumber = 1;
        second.deviceNumber = 2;
        devices.push(first, second);
      }
      [alice, , bob] = devices;
      for (const device of devices) {
        await device.initRustCrypto({ useIndexedDB: false });
        await startAndSync(device);
      }
      console.log(`Plexus ↔ ${name}: servers up and four devices syncing in ${Date.now() - started} ms`);
    });

    after(async () => {
      for (const device of devices) device.stopClient();
      const logs = [serverA, serverB].filter(Boolean).map((server) => [server.name, server.log()]);
      await serverA?.stop();
      await serverB?.stop();
      pki?.remove();
      for (const [server, log] of logs) {
        const warnings = log.split("\n").filter((line) => /\bWARN(ING)?\b/.test(line));
        if (warnings.length) console.log(`${server} warnings:\n${warnings.join("\n")}`);
      }
      const errors = logs.flatMap(([server, log]) =>
        log.split("\n").filter((line) => /\bERROR\b|panicked/.test(line)).map((line) => `${server}: ${line}`),
      );
      assert.deepEqual(errors, [], "a server logged errors");
    });

    it("each user sees the other's two devices (device keys over federation)", async () => {
      const [aliceIds, bobIds] = [devices.slice(0, 2), devices.slice(2)].map((pair) => pair.map((d) => d.getDeviceId()).sort());
      let seen;
      await poll(async () => JSON.stringify((seen = await knownDevices(alice, bob.getUserId()))) === JSON.stringify(bobIds), WAIT_MS,
        `alice downloads bob's devices ${bobIds} (last saw ${seen})`);
      await poll(async () => JSON.stringify((seen = await knownDevices(bob, alice.getUserId()))) === JSON.stringify(aliceIds), WAIT_MS,
        `bob downloads alice's devices ${aliceIds} (last saw ${seen})`);
    });

    it(`alice (Plexus) starts an encrypted DM with bob (${name}); every device decrypts every message`, async () => {
      const started = Date.now();
      aliceRoom = await encryptedConversation({ inviter: alice, invitee: bob, viaServer: serverA.serverName, devices, tag: "alice's DM" });
      console.log(`Plexus ↔ ${name}: 4 messages decrypted on 4 devices in ${Date.now() - started} ms (DM started by alice)`);
    });

    it(`bob (${name}) starts an encrypted DM with alice (Plexus); every device decrypts every message`, async () => {
      const started = Date.now();
      await encryptedConversation({ inviter: bob, invitee: alice, viaServer: serverB.serverName, devices, tag: "bob's DM" });
      console.log(`Plexus ↔ ${name}: 4 messages decrypted on 4 devices in ${Date.now() - started} ms (DM started by bob)`);
    });

    it("devices logged in later get the room keys (device-list updates over federation, both ways)", async () => {
      const started = Date.now();
      const later = [];
      for (const owner of [alice, bob]) {
        const device = await secondDevice(owner);
        device.deviceNumber = 3;
        devices.push(device);
        later.push(device);
        await device.initRustCrypto({ useIndexedDB: false });
        await startAndSync(device);
      }
      const [alice3, bob3] = later;
      // No forced download: each side must learn of the other's new device
      // from device_lists.changed in /sync (an m.device_list_update EDU).
      await poll(() => knowsDevice(alice, bob3), WAIT_MS, `alice#1 learns of bob#3 (${bob3.getDeviceId()})`);
      await poll(() => knowsDevice(bob, alice3), WAIT_MS, `bob#1 learns of alice#3 (${alice3.getDeviceId()})`);
      for (const sender of [alice, bob, alice3, bob3]) {
        const body = `later: secret from ${label(sender)}`;
        await withTimeout(sender.sendTextMessage(aliceRoom, body), WAIT_MS, `${label(sender)} sends`);
        await everyDeviceDecrypts(devices, aliceRoom, body);
      }
      console.log(`Plexus ↔ ${name}: 2 new devices seen across, 4 messages decrypted on 6 devices in ${Date.now() - started} ms`);
      // Let the SDKs finish their background requests before they are stopped.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    });
  });
}

// Runs after both suites (the SDK's stray timers would keep the process alive).
after(() => exitSoonAfterTests());

crossServerScenario("Plexus", startFederatedPlexus);
crossServerScenario("Synapse", startSynapse);
