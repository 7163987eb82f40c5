// matrix-js-sdk and media: alice uploads an image through the SDK and makes
// it her avatar; bob reads her profile and downloads a thumbnail of it
// through the authenticated media API (spec v1.11), with his token.

import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { after, before, describe, it } from "node:test";

import { logger } from "matrix-js-sdk/lib/logger.js";

import { exitSoonAfterTests, signUp } from "./helpers.js";
import { startServer } from "./server.js";

logger.setLevel("warn");

/** CRC-32 as PNG chunks need it. */
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, tail]);
}

/** A real RGB PNG of `width` x `height` with a gradient, made here so no fixture file is needed. */
function gradientPng(width, height) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([(x * 2) & 255, (y * 4) & 255, 128], 1 + x * 3);
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}

/** (width, height) from a PNG's IHDR chunk. */
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString("ascii"), "PNG", "not a PNG");
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe("matrix-js-sdk media against plexus", { timeout: 60_000 }, () => {
  let server;
  let alice;
  let bob;

  before(async () => {
    server = await startServer();
    alice = await signUp(server.baseUrl, "alice");
    bob = await signUp(server.baseUrl, "bob");
  });

  after(async () => {
    await server?.stop();
    exitSoonAfterTests();
  });

  it("uploads an avatar that another user downloads as a thumbnail", async () => {
    const image = gradientPng(100, 60);
    const { content_uri: mxc } = await alice.uploadContent(image, { type: "image/png", name: "avatar.png" });
    assert.match(mxc, /^mxc:\/\/localhost\/[A-Za-z0-9]+$/);
    await alice.setAvatarUrl(mxc);

    const profile = await bob.getProfileInfo(alice.getUserId());
    assert.equal(profile.avatar_url, mxc);

    const url = bob.mxcUrlToHttp(mxc, 32, 32, "crop", false, true, true);
    assert.match(url, /\/_matrix\/client\/v1\/media\/thumbnail\//, `not the authenticated endpoint: ${url}`);
    const refused = await fetch(url);
    assert.equal(refused.status, 401, "thumbnail served without a token");
    const response = await fetch(url, { headers: { Authorization: `Bearer ${bob.getAccessToken()}` } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/png");
    assert.deepEqual(pngSize(Buffer.from(await response.arrayBuffer())), [32, 32]);

    const full = bob.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, true, true);
    const original = await fetch(full, { headers: { Authorization: `Bearer ${bob.getAccessToken()}` } });
    assert.equal(original.status, 200);
    assert.ok(Buffer.from(await original.arrayBuffer()).equals(image), "download differs from the upload");
  });
});
