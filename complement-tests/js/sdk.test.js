// matrix-js-sdk against a real plexus: two users sign up, open a DM (the
// invitee joins only once the invite arrived by sync), create a group room,
// exchange messages, paginate history back, set a display name and leave.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

import {
  exitSoonAfterTests,
  membership,
  signUp,
  startAndSync,
  timelineBodies,
  waitUntil,
  withTimeout,
} from "./helpers.js";
import { startServer } from "./server.js";

logger.setLevel("warn");

const WAIT_MS = 15_000;
const HISTORY = 30;

describe("matrix-js-sdk against plexus", { timeout: 180_000 }, () => {
  let server;
  let alice;
  let bob;
  const clients = [];
  const rooms = {};

  before(async () => {
    server = await startServer();
    alice = await signUp(server.baseUrl, "alice");
    bob = await signUp(server.baseUrl, "bob");
    clients.push(alice, bob);
    await startAndSync(alice);
    await startAndSync(bob);
  });

  after(async () => {
    for (const client of clients) client.stopClient();
    await server?.stop();
    exitSoonAfterTests();
  });

  it("signed both users up", () => {
    assert.equal(alice.getUserId(), "@alice:localhost");
    assert.equal(bob.getUserId(), "@bob:localhost");
  });

  it("opens a DM that bob joins after seeing the invite", async () => {
    const { room_id: dm } = await alice.createRoom({
      is_direct: true,
      invite: [bob.getUserId()],
      preset: sdk.Preset.TrustedPrivateChat,
    });
    rooms.dm = dm;
    await waitUntil(bob, sdk.RoomMemberEvent.Membership, () => membership(bob, dm, bob.getUserId()) === "invite", WAIT_MS, "bob sees the DM invite");
    const inviteEvent = bob.getRoom(dm).getMember(bob.getUserId()).events.member;
    assert.equal(inviteEvent.getContent().is_direct, true, "invite lacks is_direct");
    await withTimeout(bob.joinRoom(dm), WAIT_MS, "bob joins the DM");
    await waitUntil(alice, sdk.RoomMemberEvent.Membership, () => membership(alice, dm, bob.getUserId()) === "join", WAIT_MS, "alice sees bob join");
  });

  it("exchanges messages in the DM", async () => {
    await alice.sendTextMessage(rooms.dm, "hi bob");
    await waitUntil(bob, sdk.RoomEvent.Timeline, () => timelineBodies(bob.getRoom(rooms.dm)).includes("hi bob"), WAIT_MS, "bob receives");
    await bob.sendTextMessage(rooms.dm, "hi alice");
    await waitUntil(alice, sdk.RoomEvent.Timeline, () => timelineBodies(alice.getRoom(rooms.dm)).includes("hi alice"), WAIT_MS, "alice receives");
    const aliceView = timelineBodies(alice.getRoom(rooms.dm));
    assert.deepEqual(aliceView.slice(-2), ["hi bob", "hi alice"]);
  });

  it("creates a group room, invites and joins", async () => {
    const { room_id: group } = await alice.createRoom({ name: "Group", preset: sdk.Preset.PrivateChat });
    rooms.group = group;
    await alice.invite(group, bob.getUserId());
    await waitUntil(bob, sdk.RoomMemberEvent.Membership, () => membership(bob, group, bob.getUserId()) === "invite", WAIT_MS, "bob sees the group invite");
    await bob.joinRoom(group);
    await waitUntil(bob, sdk.RoomEvent.Name, () => bob.getRoom(group)?.name === "Group", WAIT_MS, "bob sees the room name");
    await waitUntil(alice, sdk.RoomMemberEvent.Membership, () => membership(alice, group, bob.getUserId()) === "join", WAIT_MS, "alice sees bob join the group");
  });

  it("sends history and bob paginates it back with scrollback", async () => {
    for (let i = 0; i < HISTORY; i++) {
      await alice.sendTextMessage(rooms.group, `history ${String(i).padStart(2, "0")}`);
    }
    const expected = Array.from({ length: HISTORY }, (_, i) => `history ${String(i).padStart(2, "0")}`);
    const last = expected[HISTORY - 1];
    await waitUntil(bob, sdk.RoomEvent.Timeline, () => timelineBodies(bob.getRoom(rooms.group)).includes(last), WAIT_MS, "bob receives the history");
    // A fresh session sees only the last few events, then scrolls back.
    const fresh = sdk.createClient({ baseUrl: server.baseUrl, userId: bob.getUserId(), accessToken: bob.getAccessToken(), deviceId: bob.getDeviceId() });
    clients.push(fresh);
    await startAndSync(fresh, { initialSyncLimit: 5 });
    const room = fresh.getRoom(rooms.group);
    assert.ok(timelineBodies(room).length < HISTORY, "initial sync was not limited");
    for (let page = 0; page < 20 && !timelineBodies(room).includes("history 00"); page++) {
      await withTimeout(fresh.scrollback(room, 10), WAIT_MS, "scrollback");
    }
    const bodies = timelineBodies(room).filter((body) => body.startsWith("history "));
    assert.deepEqual(bodies, expected);
    fresh.stopClient();
  });

  it("paginates with createMessagesRequest in both directions", async () => {
    const back = await bob.createMessagesRequest(rooms.group, null, 10, sdk.Direction.Backward);
    const backBodies = back.chunk.filter((e) => e.type === "m.room.message").map((e) => e.content.body);
    assert.deepEqual(backBodies, ["history 29", "history 28", "history 27", "history 26", "history 25", "history 24", "history 23", "history 22", "history 21", "history 20"]);
    assert.ok(back.end, "no end token");
    const older = await bob.createMessagesRequest(rooms.group, back.end, 5, sdk.Direction.Backward);
    assert.deepEqual(older.chunk.map((e) => e.content.body), ["history 19", "history 18", "history 17", "history 16", "history 15"]);
    const forward = await bob.createMessagesRequest(rooms.group, older.end, 5, sdk.Direction.Forward);
    assert.deepEqual(forward.chunk.map((e) => e.content.body), ["history 15", "history 16", "history 17", "history 18", "history 19"]);
  });

  it("propagates bob's display name", async () => {
    await bob.setDisplayName("Bob Builder");
    const profile = await alice.getProfileInfo(bob.getUserId());
    assert.equal(profile.displayname, "Bob Builder");
    await waitUntil(alice, sdk.RoomMemberEvent.Name, () => alice.getRoom(rooms.group)?.getMember(bob.getUserId())?.name === "Bob Builder", WAIT_MS, "alice sees the new name");
  });

  it("keeps syncing across a server restart", async () => {
    await withTimeout(server.restart(), 30_000, "server restart");
    await alice.sendTextMessage(rooms.dm, "after the restart");
    const arrived = () => timelineBodies(bob.getRoom(rooms.dm)).includes("after the restart");
    await waitUntil(bob, sdk.RoomEvent.Timeline, arrived, 30_000, "bob's running client receives after the restart");
  });

  it("bob leaves the group room", async () => {
    await bob.leave(rooms.group);
    await waitUntil(alice, sdk.RoomMemberEvent.Membership, () => membership(alice, rooms.group, bob.getUserId()) === "leave", WAIT_MS, "alice sees bob leave");
    await waitUntil(bob, sdk.ClientEvent.Sync, () => bob.getRoom(rooms.group)?.getMyMembership() === "leave", WAIT_MS, "bob's own view");
    const joined = await bob.getJoinedRooms();
    assert.ok(!joined.joined_rooms.includes(rooms.group));
    assert.ok(joined.joined_rooms.includes(rooms.dm));
  });
});
