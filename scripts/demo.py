"""The main job: the default consortium on devnet, the asset chaincode, one REST gateway per org, and a
cross-enterprise story played through the REST API.

    bash scripts/demo.sh                                # installs everything first (scripts/setup.sh)
    .venv/bin/python scripts/demo.py [--netdir var/net] [--base-port N] [--down] [--json-summary FILE]
    .venv/bin/python scripts/demo.py --netdir var/net --stop

Steps: generate the network if the directory holds none (Org2's Treasury identity, role=issuer, is added
once), start the orderer and peers, deploy the ``assetregistry`` chaincode (idempotent), start one gateway
per org (wallet imported from the MSP folders, encrypted under ``<netdir>/gateways/wallet.kek`` (0600),
API keys made with ``python -m gateway add-api-key``), then play the story of ``scripts/demokit/story.py``.
Each step prints who did it (org, identity, ledger account), the HTTP status, and the txid and block.

At the end the network and the gateways keep running (URLs and API keys in
``<netdir>/gateways/credentials.json``, 0600) unless ``--down`` is given. To stop them later:
``.venv/bin/python scripts/demo.py --netdir <netdir> --stop`` (gateways, chaincode server and nodes), or
``.venv/bin/consortium down --netdir <netdir>`` (chaincode server and nodes, not the gateways). Running the
demo again on a running network redeploys nothing and uses fresh asset ids. Exit status: 0 when every step
succeeded and the ledger balances are the expected ones, 1 otherwise (the message names the failed step), 2 for
bad options.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from network.layout import DEFAULT_NETWORK_DIR  # noqa: E402
from scripts.demokit import gateways as gw  # noqa: E402
from scripts.demokit import netup, story, summary  # noqa: E402
from scripts.demokit.rest import Rest  # noqa: E402

START = time.monotonic()


def progress(line: str) -> None:
    print(f"[demo {time.monotonic() - START:6.1f}s] {line}", flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/demo.py", description=__doc__.split("\n\n")[0],
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--netdir", type=Path, default=DEFAULT_NETWORK_DIR,
                        help=f"network directory (default {DEFAULT_NETWORK_DIR}); generated when empty")
    parser.add_argument("--base-port", type=int, default=None,
                        help="base_port of a network generated now (default: the spec's 7050); "
                             "0 picks a free range in 20000-50000")
    parser.add_argument("--down", action="store_true",
                        help="stop the gateways, the chaincode server and the devnet at the end (even on failure)")
    parser.add_argument("--stop", action="store_true", help="only stop everything the demo started, then exit")
    parser.add_argument("--json-summary", type=Path, default=None, help="also write the run's outcome as JSON")
    return parser


def stop_everything(netdir: Path) -> None:
    gw.stop_gateways(netdir, progress)
    netup.stop_network(netdir, progress)


def run(args: argparse.Namespace) -> int:
    netdir: Path = args.netdir.resolve()
    base_port = netup.pick_base_port() if args.base_port == 0 else args.base_port
    rest = Rest()
    gateways: dict[str, gw.OrgGateway] = {}
    try:
        layout = netup.ensure_network(netdir, base_port, progress)
        layout = netup.ensure_treasury(layout, progress)
        progress("starting the devnet (orderer + 3 peers) and waiting for health")
        result = netup.up_and_deploy(layout, progress)
        progress(f"chaincode {result.name} sequence {result.sequence} "
                 f"({'deployed now' if result.changed else 'already deployed, unchanged'})")
        progress("starting one REST gateway per org")
        gateways = gw.start_gateways(layout, progress)
        creds = gw.save_credentials(netdir, gateways)
        progress(f"gateway URLs and API keys: {creds}")
        outcome = story.play(rest, gateways, progress)
        summary.print_balances(outcome, sys.stdout)
        summary.print_summary(outcome, rest.steps, sys.stdout)
        if args.json_summary:
            summary.write_json(args.json_summary, outcome, rest.steps, gateways, netdir)
        bad = story.mismatches(outcome)
        if bad:
            raise netup.DemoError("ledger check failed: " + "; ".join(bad))
        print("\nDEMO OK: every step committed and the ledger holds the expected balances", flush=True)
        return 0
    except Exception as exc:  # every failure ends in one clear line and a non-zero exit
        print(f"\nDEMO FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        rest.close()
        if args.down:
            progress("--down: stopping gateways, chaincode server and devnet")
            stop_everything(netdir)
        else:
            print(f"\nThe network and gateways keep running ({netdir}).\n"
                  f"  stop everything:      .venv/bin/python scripts/demo.py --netdir {netdir} --stop\n"
                  f"  stop the devnet only: .venv/bin/consortium down --netdir {netdir}", flush=True)


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_exit)  # so --down still tears down on SIGTERM
    if args.stop:
        stop_everything(args.netdir.resolve())
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
