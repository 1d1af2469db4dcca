"""The end of the demo: a balance table, a one-paragraph summary, and a JSON record of the run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from scripts.demokit.gateways import OrgGateway
from scripts.demokit.rest import Step
from scripts.demokit.story import Outcome, eur


def print_balances(outcome: Outcome, out: TextIO) -> None:
    ids = outcome.ids
    columns = [(ids.eur, "EUR", True), (ids.rcv_class, "receivable units", True), (ids.shares, "royalty shares", False)]
    print("\nBalances on the ledger (read back through the REST API):", file=out)
    header = f"  {'account':<36}" + "".join(f"{name:>20}" for _, name, _ in columns)
    print(header, file=out)
    for msp, account in outcome.accounts.items():
        cells = []
        for class_id, _, money in columns:
            value = outcome.balances.get(class_id, {}).get(account, 0)
            cells.append(f"{eur(value) if money else str(value):>20}")
        print(f"  {account:<36}" + "".join(cells) + f"   ({msp})", file=out)


def print_summary(outcome: Outcome, steps: list[Step], out: TextIO) -> None:
    ids = outcome.ids
    submits = [s for s in steps if s.txid]
    blocks = sorted({s.block for s in submits if s.block is not None})
    rcv = outcome.distributions.get(ids.rcv_class, {})
    roy = outcome.distributions.get(ids.royalty, {})
    print(f"\nSummary of run {ids.run}:", file=out)
    print(f"  {len(steps)} REST calls, {len(submits)} committed transactions in blocks "
          f"{blocks[0] if blocks else '-'}..{blocks[-1] if blocks else '-'}", file=out)
    print(f"  receivable {ids.receivable}: {outcome.receivable_status}; settlement paid {eur(int(rcv.get('paid', 0)))}"
          f" EUR to {rcv.get('holdersPaid', 0)} holders", file=out)
    print(f"  royalty {ids.royalty}: paid {eur(int(roy.get('paid', 0)))} EUR to {roy.get('holdersPaid', 0)} holders,"
          f" remainder {eur(int(roy.get('remainder', 0) or 0))}", file=out)


def write_json(path: Path, outcome: Outcome, steps: list[Step], gateways: dict[str, OrgGateway],
               netdir: Path) -> None:
    data: dict[str, Any] = {
        "netdir": str(netdir),
        "ids": outcome.ids.__dict__,
        "accounts": outcome.accounts,
        "balances": outcome.balances,
        "expected": outcome.expected,
        "receivable_status": outcome.receivable_status,
        "distributions": outcome.distributions,
        "gateways": {g.org: g.base_url for g in gateways.values()},
        "steps": [{"n": s.number, "title": s.title, "who": s.who, "method": s.method, "path": s.path,
                   "status": s.status, "txid": s.txid, "block": s.block} for s in steps],
    }
    path.write_text(json.dumps(data, indent=2, sort_keys=True))
