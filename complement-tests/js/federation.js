// Federating servers for the cross-server matrix-js-sdk test: a throw-away
// CA and server certificates made with the `openssl` CLI, Plexus started
// with federation on over TLS (named `127.0.0.1:<federation port>`, the
// env the Rust harness in ../src/federation/plexus.rs uses), and Synapse
// from the Rust harness's virtualenv with the config of
// ../src/federation/synapse/config.rs. Certificate checks stay on: every
// server trusts the test CA.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

import * as sdk from "matrix-js-sdk";

import { PASSWORD } from "./helpers.js";
import { freePort, startServer } from "./server.js";

/** The Synapse release the Rust harness pins (../src/federation/synapse/install.rs). */
export const SYNAPSE_VERSION = "1.163.2";
const SYNAPSE_START_TIMEOUT_MS = 60_000;
const SYNAPSE_STOP_TIMEOUT_MS = 15_000;
const INSTALL_TIMEOUT_MS = 600_000;

/** Every child still running is killed if the test process exits without stopping it. */
const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function openssl(args, cwd) {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
}

/**
 * A test CA (`ca.pem`) in a fresh temporary directory; `issue()` writes a
 * certificate for 127.0.0.1 and localhost signed by it and returns its paths.
 */
export function makePki() {
  const dir = mkdtempSync(join(tmpdir(), "plexus-js-pki-"));
  const p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    ["req", "-x509", ...p256, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Plexus JS federation test CA",
      "-addext", "basicConstraints=critical,CA:TRUE",
      // Explicit usages: OpenSSL (Synapse's side) checks them strictly.
      "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"],
    dir,
  );
  writeFileSync(
    join(dir, "server.ext"),
    [
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      "authorityKeyIdentifier=keyid",
      "subjectKeyIdentifier=hash",
    ].join("\n"),
  );
  let issued = 0;
  const issue = () => {
    issued += 1;
    const [cert, key, csr] = [`server${issued}.pem`, `server${issued}.key`, `server${issued}.csr`];
    // OpenSSL 3 writes the key as PKCS#8, which both Plexus and Synapse read.
    openssl(["req", ...p256, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"], dir);
    openssl(["x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
      "-extfile", "server.ext", "-out", cert], dir);
    return { cert: join(dir, cert), key: join(dir, key) };
  };
  const remove = () => rmSync(dir, { recursive: true, force: true });
  return { caFile: join(dir, "ca.pem"), issue, remove };
}

/**
 * Plexus federating over TLS on a free loopback port, named
 * `127.0.0.1:<port>`; resolves to startServer's handle plus `serverName`.
 */
export async function startFederatedPlexus(cert, caFile) {
  const serverName = `127.0.0.1:${await freePort()}`;
  const server = await startServer({
    extraEnv: {
      PLEXUS_SERVER_NAME: serverName,
      PLEXUS_LOG_LEVEL: process.env.PLEXUS_JS_LOG_LEVEL ?? "info,plexus_federation=debug",
      PLEXUS_FEDERATION_ENABLED: "true",
      PLEXUS_FEDERATION_LISTEN: serverName,
      PLEXUS_FEDERATION_TLS_CERT: cert.cert,
      PLEXUS_FEDERATION_TLS_KEY: cert.key,
      PLEXUS_FEDERATION_CA_FILE: caFile,
      PLEXUS_FEDERATION_VERIFY_TLS: "true",
      PLEXUS_FEDERATION_IP_RANGE_DENYLIST: "",
    },
  });
  return { ...server, serverName, name: "plexus" };
}

function synapseVenv() {
  return process.env.PLEXUS_SYNAPSE_VENV ?? join(homedir(), ".cache/plexus/synapse-venv");
}

function runInstallStep(command, args) {
  const result = spawnSync(command, args, { stdio: ["ignore", "inherit", "inherit"], timeout: INSTALL_TIMEOUT_MS });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.error ?? `exit ${result.status}`}`);
}

/**
 * The virtualenv's python, creating the venv (as the Rust harness does, with
 * the same version marker) when it is missing. The Rust harness creates it
 * under a flock; CI runs this test after `cargo test`, so no lock is needed.
 */
export function synapsePython() {
  const venv = synapseVenv();
  const marker = join(venv, `.plexus-synapse-${SYNAPSE_VERSION}`);
  const python = join(venv, "bin/python");
  if (existsSync(marker)) return python;
  console.log(`installing matrix-synapse ${SYNAPSE_VERSION} into ${venv}`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(join(venv, ".."), { recursive: true });
  runInstallStep("python3", ["-m", "venv", venv]);
  runInstallStep(join(venv, "bin/pip"), ["install", "--quiet", "--disable-pip-version-check", `matrix-synapse==${SYNAPSE_VERSION}`]);
  writeFileSync(marker, SYNAPSE_VERSION);
  return python;
}

/** Every `rc_*` limit Synapse has, set far above anything a test does. */
function rateLimitsOff() {
  const high = { per_second: 100000, burst_count: 100000 };
  return {
    rc_message: high,
    rc_registration: high,
    rc_registration_token_validity: high,
    rc_login: { address: high, account: high, failed_attempts: high },
    rc_admin_redaction: high,
    rc_joins: { local: high, remote: high },
    rc_joins_per_room: high,
    rc_key_requests: high,
    rc_3pid_validation: high,
    rc_invites: { per_room: high, per_user: high, per_issuer: high },
    rc_third_party_invite: high,
    rc_media_create: high,
    rc_presence: { per_user: high },
    rc_delayed_event_mgmt: high,
    rc_room_creation: high,
    rc_reports: high,
    rc_user_directory: high,
    rc_profile: high,
    rc_federation: { window_size: 1000, sleep_limit: 100000, sleep_delay: 1, reject_limit: 100000, concurrent: 10000 },
  };
}

/** homeserver.yaml (as JSON, a subset of YAML), mirroring synapse/config.rs. */
function synapseConfig({ dir, serverName, clientPort, federationPort, cert, caFile }) {
  const path = (name) => join(dir, name);
  return {
    server_name: serverName,
    pid_file: path("homeserver.pid"),
    public_baseurl: `http://127.0.0.1:${clientPort}/`,
    listeners: [
      { port: clientPort, bind_addresses: ["127.0.0.1"], type: "http", tls: false, x_forwarded: false,
        resources: [{ names: ["client"], compress: false }] },
      { port: federationPort, bind_addresses: ["127.0.0.1"], type: "http", tls: true,
        resources: [{ names: ["federation", "keys"], compress: false }] },
    ],
    tls_certificate_path: cert.cert,
    tls_private_key_path: cert.key,
    database: { name: "sqlite3", args: { database: path("homeserver.db") } },
    log_config: path("log.config"),
    media_store_path: path("media_store"),
    signing_key_path: path("signing.key"),
    macaroon_secret_key: randomBytes(32).toString("hex"),
    form_secret: randomBytes(32).toString("hex"),
    report_stats: false,
    enable_metrics: false,
    enable_registration: true,
    enable_registration_without_verification: true,
    room_list_publication_rules: [{ action: "allow" }],
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    federation_verify_certificates: true,
    federation_custom_ca_list: [caFile],
    federation_ip_range_blacklist: [],
    ip_range_blacklist: [],
    ip_range_whitelist: ["127.0.0.0/8", "::1/128"],
    serve_server_wellknown: false,
    url_preview_enabled: false,
    allow_public_rooms_over_federation: true,
    federation: {
      client_timeout: "20s",
      max_short_retry_delay: "1s",
      max_long_retry_delay: "2s",
      destination_min_retry_interval: "1s",
      destination_retry_multiplier: 1.5,
      destination_max_retry_interval: "3s",
    },
    ...rateLimitsOff(),
  };
}

function writeSynapseFiles(layout) {
  const { dir } = layout;
  mkdirSync(join(dir, "media_store"), { recursive: true });
  const logConfig = {
    version: 1,
    formatters: { plain: { format: "%(asctime)s %(name)s %(levelname)s %(message)s" } },
    handlers: { file: { class: "logging.FileHandler", formatter: "plain", filename: join(dir, "homeserver.log") } },
    loggers: { "synapse.storage.SQL": { level: "WARNING" }, "synapse.access": { level: "INFO" } },
    root: { level: "INFO", handlers: ["file"] },
    disable_existing_loggers: false,
  };
  writeFileSync(join(dir, "log.config"), JSON.stringify(logConfig, null, 2));
  // Synapse's key file: `ed25519 <version> <unpadded base64 seed>`.
  writeFileSync(join(dir, "signing.key"), `ed25519 a_test ${randomBytes(32).toString("base64").replace(/=+$/, "")}\n`);
  writeFileSync(join(dir, "homeserver.yaml"), JSON.stringify(synapseConfig(layout), null, 2));
}

async function waitSynapseReady(baseUrl, child, dir) {
  const deadline = Date.now() + SYNAPSE_START_TIMEOUT_MS;
  const tail = () => `${readLog(join(dir, "homeserver.log")).slice(-4000)}\n--- stdout ---\n${readLog(join(dir, "stdout.log")).slice(-2000)}`;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`synapse exited (${child.exitCode}) during start:\n${tail()}`);
    try {
      const response = await fetch(`${baseUrl}/_matrix/client/versions`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`synapse not ready within ${SYNAPSE_START_TIMEOUT_MS} ms:\n${tail()}`);
}

function readLog(path) {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** Synapse on loopback, federating over TLS; resolves to { baseUrl, serverName, log, stop }. */
export async function startSynapse(cert, caFile) {
  const python = synapsePython();
  const dir = mkdtempSync(join(tmpdir(), "synapse-js-"));
  const federationPort = await freePort();
  const clientPort = await freePort();
  const serverName = `127.0.0.1:${federationPort}`;
  writeSynapseFiles({ dir, serverName, clientPort, federationPort, cert, caFile });
  const out = openSync(join(dir, "stdout.log"), "a");
  const child = spawn(python, ["-m", "synapse.app.homeserver", "-c", join(dir, "homeserver.yaml")], {
    cwd: dir,
    stdio: ["ignore", out, out],
  });
  children.add(child);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const baseUrl = `http://127.0.0.1:${clientPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), SYNAPSE_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitSynapseReady(baseUrl, child, dir);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, serverName, name: "synapse", log: () => readLog(join(dir, "homeserver.log")), stop };
}

/** Logs `client`'s user in again: a second device with its own access token. */
export async function secondDevice(client) {
  const baseUrl = client.baseUrl;
  const login = await sdk.createClient({ baseUrl }).loginRequest({
    type: "m.login.password",
    identifier: { type: "m.id.user", user: client.getUserId() },
    password: PASSWORD,
  });
  return sdk.createClient({ baseUrl, accessToken: login.access_token, userId: login.user_id, deviceId: login.device_id });
}
