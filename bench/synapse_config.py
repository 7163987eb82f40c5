#!/usr/bin/env python3
"""Write a benchmark Synapse config: SQLite, client API only on 127.0.0.1, open
registration without verification, every rate limit lifted, no federation.

usage: synapse_config.py DIR PORT   (run with the Synapse virtualenv's python)
"""
import os
import secrets
import subprocess
import sys

import yaml

UNLIMITED = {"per_second": 1_000_000, "burst_count": 1_000_000}
SIMPLE_LIMITS = [
    "rc_message", "rc_registration", "rc_registration_token_validity", "rc_admin_redaction",
    "rc_joins_per_room", "rc_key_requests", "rc_3pid_validation", "rc_third_party_invite",
    "rc_media_create", "rc_delayed_event_mgmt", "rc_room_creation", "rc_reports",
    "rc_user_directory", "rc_profile",
]
NESTED_LIMITS = {
    "rc_login": ["address", "account", "failed_attempts"],
    "rc_joins": ["local", "remote"],
    "rc_invites": ["per_room", "per_user", "per_issuer"],
    "rc_presence": ["per_user"],
}


def config(d, port):
    cfg = {
        "server_name": "localhost",
        "pid_file": os.path.join(d, "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "listeners": [{
            "port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
            "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}],
        }],
        "database": {"name": "sqlite3", "args": {"database": os.path.join(d, "homeserver.db")}},
        "log_config": os.path.join(d, "log.yaml"),
        "media_store_path": os.path.join(d, "media"),
        "signing_key_path": os.path.join(d, "signing.key"),
        "macaroon_secret_key": secrets.token_hex(32),
        "form_secret": secrets.token_hex(32),
        "report_stats": False,
        "enable_registration": True,
        "enable_registration_without_verification": True,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "url_preview_enabled": False,
        "presence": {"enabled": True},
    }
    for key in SIMPLE_LIMITS:
        cfg[key] = UNLIMITED
    for key, subs in NESTED_LIMITS.items():
        cfg[key] = {s: UNLIMITED for s in subs}
    return cfg


def log_config(d):
    return {
        "version": 1,
        "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
        "handlers": {"file": {"class": "logging.FileHandler", "formatter": "plain",
                              "filename": os.path.join(d, "homeserver.log")}},
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    d, port = os.path.abspath(sys.argv[1]), int(sys.argv[2])
    os.makedirs(os.path.join(d, "media"), exist_ok=True)
    with open(os.path.join(d, "log.yaml"), "w") as f:
        yaml.safe_dump(log_config(d), f)
    path = os.path.join(d, "homeserver.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(config(d, port), f, sort_keys=False)
    subprocess.run([sys.executable, "-m", "synapse.app.homeserver", "-c", path, "--generate-keys"],
                   check=True, stdout=subprocess.DEVNULL)
    print(path)


if __name__ == "__main__":
    main()
