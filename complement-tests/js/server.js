// Starts the real plexus binary for the matrix-js-sdk test: free loopback
// port, temporary data directory, open registration, no rate limits.
// Binary: $PLEXUS_BIN, else $CARGO_TARGET_DIR/debug/plexus, else the
// workspace's target/debug/plexus.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;

export function plexusBinary() {
  const candidates = [];
  if (process.env.PLEXUS_BIN) candidates.push(process.env.PLEXUS_BIN);
  if (process.env.CARGO_TARGET_DIR) candidates.push(join(process.env.CARGO_TARGET_DIR, "debug/plexus"));
  candidates.push(join(here, "../../target/debug/plexus"));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`plexus binary not found (tried ${candidates.join(", ")}); set PLEXUS_BIN`);
  return found;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The environment without inherited PLEXUS_* (the server rejects unknown ones). */
function serverEnv(port, dataDir, extraEnv = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PLEXUS_")));
  return {
    ...env,
    PLEXUS_SERVER_NAME: "localhost",
    PLEXUS_CLIENT_LISTEN: `127.0.0.1:${port}`,
    PLEXUS_DATA_DIR: dataDir,
    PLEXUS_REGISTRATION: "open",
    PLEXUS_RATE_LIMITS: "off",
    PLEXUS_LOG_LEVEL: "warn",
    ...extraEnv,
  };
}

async function waitReady(baseUrl, child, logPath) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`plexus exited (${child.exitCode}) during start:\n${readFileSync(logPath, "utf8")}`);
    }
    try {
      const response = await fetch(`${baseUrl}/_matrix/client/versions`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`plexus not ready within ${START_TIMEOUT_MS} ms:\n${readFileSync(logPath, "utf8")}`);
}

/** Spawns `plexus serve` and waits until it answers; returns the child and its exit promise. */
async function launch({ config, port, dataDir, logPath, extraEnv }) {
  const log = openSync(logPath, "a");
  const child = spawn(plexusBinary(), ["serve", "--config", config], {
    env: serverEnv(port, dataDir, extraEnv),
    stdio: ["ignore", log, log],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await waitReady(`http://127.0.0.1:${port}`, child, logPath);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return { child, exited };
}

/** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; resolves once the process is gone. */
async function terminate({ child, exited }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts plexus; resolves to { baseUrl, stop, restart, log }. `restart`
 * stops it gracefully and starts it again on the same port and data.
 * `extraEnv` adds or overrides PLEXUS_* settings (e.g. federation).
 */
export async function startServer({ extraEnv = {} } = {}) {
  const root = mkdtempSync(join(tmpdir(), "plexus-js-"));
  const setup = {
    config: join(root, "config.toml"),
    logPath: join(root, "server.log"),
    dataDir: join(root, "data"),
    port: await freePort(),
    extraEnv,
  };
  writeFileSync(setup.config, "");
  let running = await launch(setup);
  const stop = async () => {
    await terminate(running);
    rmSync(root, { recursive: true, force: true });
  };
  const restart = async () => {
    await terminate(running);
    running = await launch(setup);
  };
  const log = () => readFileSync(setup.logPath, "utf8");
  return { baseUrl: `http://127.0.0.1:${setup.port}`, stop, restart, log };
}
