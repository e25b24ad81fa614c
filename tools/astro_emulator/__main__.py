"""CLI: ``PYTHONPATH=tools python -m astro_emulator [--seed PATH] [--port 0] [--port-file FILE] [--validate-contract]``."""

import argparse
import shlex
import signal
import sys
import threading

from .emulator import Emulator
from .state import DEMO_SEED


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m astro_emulator", description="Local emulator of the Astro API v1 (API tokens and roles).")
    parser.add_argument("--seed", default=str(DEMO_SEED), help="seed YAML file (default: the demo seed)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; keep it on loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument("--port-file", help="write the API URL here once listening")
    parser.add_argument("--validate-contract", action="store_true", help="check every /v1 request and answer against openapi.yaml")
    parser.add_argument("--certfile", help="serve HTTPS with this certificate")
    parser.add_argument("--keyfile", help="private key of --certfile")
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="do not enforce Astro's per-token rate limits (GET 25/s, POST 10/s, DELETE 5/s)")
    args = parser.parse_args(argv)

    emulator = Emulator(seed=args.seed, validate_contract=args.validate_contract, certfile=args.certfile,
                        keyfile=args.keyfile, host=args.host, port=args.port, rate_limits=not args.no_rate_limits)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    emulator.start()
    # The port file first: whoever reads our first line may rely on the file being there.
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as handle:
            handle.write(emulator.api_url + "\n")
    print(f"Astro API emulator listening on {emulator.api_url}")
    print(f"export ASTRO_API_URL={shlex.quote(emulator.api_url)}")
    print(f"export ASTRO_ORGANIZATION_ID={shlex.quote(emulator.organization_id)}")
    print(f"export ASTRO_API_TOKEN={shlex.quote(emulator.caller_secret or '')}")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
