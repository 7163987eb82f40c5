#!/usr/bin/env python3
"""Write a federating benchmark Synapse config: bench/synapse_config.py's (SQLite, client
API on http://127.0.0.1:CLIENT_PORT, open registration, every rate limit lifted) plus a
federation + key listener over TLS on 127.0.0.1:FED_PORT, server name 127.0.0.1:FED_PORT,
certificate checks on against the bench CA, loopback federation allowed, no notary.

bcrypt_rounds is 4 (Synapse's default is 12) so that the 1,000 members of the join
benchmark can be registered in seconds instead of minutes; no measured figure hashes a
password. The federation retry intervals are short (as in the project's federation
tests) so that a peer still starting when the first event is sent is retried within
seconds, not Synapse's default of ten minutes.

usage: synapse_fed_config.py DIR CLIENT_PORT FED_PORT CERT KEY CA
       (run with the Synapse virtualenv's python)
"""
import os
import subprocess
import sys

import yaml

from synapse_config import config, log_config

HIGH = {"per_second": 1_000_000, "burst_count": 1_000_000}


def fed_config(d, client_port, fed_port, cert, key, ca):
    cfg = config(d, client_port)
    cfg["server_name"] = f"127.0.0.1:{fed_port}"
    cfg["listeners"].append({
        "port": fed_port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": True,
        "x_forwarded": False,
        "resources": [{"names": ["federation", "keys"], "compress": False}],
    })
    cfg.update({
        "tls_certificate_path": cert,
        "tls_private_key_path": key,
        "federation_verify_certificates": True,
        "federation_custom_ca_list": [ca],
        "federation_ip_range_blacklist": [],
        "ip_range_blacklist": [],
        "ip_range_whitelist": ["127.0.0.0/8", "::1/128"],
        "serve_server_wellknown": False,
        "bcrypt_rounds": 4,
        "rc_federation": {"window_size": 1000, "sleep_limit": 100000, "sleep_delay": 1,
                          "reject_limit": 100000, "concurrent": 10000},
        "rc_joins_per_room": HIGH,
        "federation": {
            "client_timeout": "60s",
            "max_short_retry_delay": "1s",
            "max_long_retry_delay": "2s",
            "destination_min_retry_interval": "1s",
            "destination_retry_multiplier": 1.5,
            "destination_max_retry_interval": "3s",
        },
    })
    return cfg


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    d = os.path.abspath(sys.argv[1])
    client_port, fed_port = int(sys.argv[2]), int(sys.argv[3])
    cert, key, ca = (os.path.abspath(p) for p in sys.argv[4:7])
    os.makedirs(os.path.join(d, "media"), exist_ok=True)
    with open(os.path.join(d, "log.yaml"), "w") as f:
        yaml.safe_dump(log_config(d), f)
    path = os.path.join(d, "homeserver.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(fed_config(d, client_port, fed_port, cert, key, ca), f, sort_keys=False)
    subprocess.run([sys.executable, "-m", "synapse.app.homeserver", "-c", path, "--generate-keys"],
                   check=True, stdout=subprocess.DEVNULL)
    print(path)


if __name__ == "__main__":
    main()
