"""The cross-enterprise story, played only through the REST gateways (``chaincode/README.md`` transactions,
``gateway/service/resource_table.py`` routes).

Cast: Org1 (a supplier, creditor of an invoice and licensor of a patent), Org2 (a financier; its Treasury
identity issues the EUR payment token), Org3 (a buyer, debtor of the invoice, co-holder of royalty shares).

1. Org2's Treasury registers a EUR payment token and funds Org3 and Org2's trading account.
2. Org1 registers a 10,000.00 EUR receivable on Org3: the chaincode tokenizes it as class ``rcv.<id>``.
3. Delivery versus payment: Org1 offers 4,000.00 of it to Org2 for 3,920.00 EUR (``ProposeSwap``);
   Org2 settles (``SettleSwap``): both legs move in one transaction.
4. At maturity Org3 pays the face amount (``SettleReceivable``); every holder gets one EUR unit per
   receivable unit (Org1 6,000.00, Org2 4,000.00), in the same transaction for a few holders, else by
   ``ProcessDistribution`` pages.
5. Royalty: Org1 registers a patent (an ``ip`` item) and 100 royalty shares of it, sells 30 to Org2 and
   20 to Org3, and distributes 1,000.00 EUR of licence income pro rata (``kind: royalty``).

Every run uses fresh ids (``run_id``), so a second run on the same network starts from zero balances.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.demokit.gateways import OrgGateway, label
from scripts.demokit.netup import TREASURY, DemoError
from scripts.demokit.rest import Actor, Rest

Progress = Callable[[str], None]
MAX_PAGES = 50

FUNDING_DEBTOR = 10_000_000  # 100,000.00 EUR
FUNDING_FINANCIER = 5_000_000  # 50,000.00 EUR
FACE = 1_000_000  # 10,000.00 EUR
SOLD = 400_000  # receivable units Org1 sells to Org2
PRICE = 392_000  # 2 % discount
SHARES = 100
SHARES_TO_ORG2 = 30
SHARES_TO_ORG3 = 20
ROYALTY = 100_000  # 1,000.00 EUR


@dataclass(frozen=True)
class Ids:
    run: str
    eur: str
    receivable: str
    rcv_class: str
    swap: str
    ip_class: str
    patent: str
    shares: str
    royalty: str

    @classmethod
    def fresh(cls) -> Ids:
        run = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)
        return cls(run, f"eur.{run}", f"inv-{run}", f"rcv.inv-{run}", f"dvp-{run}", f"ip.{run}", f"pat-{run}",
                   f"roy.{run}", f"royd-{run}")


@dataclass
class Outcome:
    ids: Ids
    accounts: dict[str, str] = field(default_factory=dict)  # msp -> account of its User1
    balances: dict[str, dict[str, int]] = field(default_factory=dict)  # class id -> account -> balance
    expected: dict[str, dict[str, int]] = field(default_factory=dict)
    receivable_status: str = ""
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)


def eur(units: int) -> str:
    sign = "-" if units < 0 else ""
    units = abs(units)
    return f"{sign}{units // 100:,}.{units % 100:02d}"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def cast(rest: Rest, gateways: dict[str, OrgGateway]) -> dict[str, Actor]:
    """Org1/Org2/Org3 User1 and Org2 Treasury, with their ledger accounts as the chaincode sees them."""
    wanted = {"org1": ("Org1MSP", "User1"), "org2": ("Org2MSP", "User1"), "org3": ("Org3MSP", "User1"),
              "treasury": TREASURY}
    actors = {}
    for role, (msp, user) in wanted.items():
        base = Actor(gateways[msp], label(msp, user))
        me = rest.call(base, "GET", "/whoami", f"WhoAmI: {role}")
        actors[role] = Actor(base.gateway, base.identity, f"{me['msp']}/{me['cn']}", tuple(me.get("roles", [])))
    if "issuer" not in actors["treasury"].roles or "issuer" not in actors["org1"].roles:
        raise DemoError("cast: Org2 Treasury and Org1 User1 need the certificate attribute role=issuer")
    return actors


def process_until_done(rest: Rest, actor: Actor, distribution_id: str, title: str) -> dict[str, Any]:
    """ProcessDistribution page by page (anyone may call it) until the record says completed. A small
    receivable's settlement pays its holders in the debtor's own transaction, so look first."""
    record = rest.read_when(actor, f"/distributions/{distribution_id}", f"{title}: distribution state",
                            lambda r: True)
    if record.get("status") == "completed":
        return dict(record)
    for page in range(1, MAX_PAGES + 1):
        record = rest.call(actor, "POST", f"/distributions/{distribution_id}/process",
                           f"{title} (page {page})", {"page_size": "100"})
        if record.get("status") == "completed":
            return dict(record)
    raise DemoError(f"{title}: distribution {distribution_id} not completed after {MAX_PAGES} pages")


def play(rest: Rest, gateways: dict[str, OrgGateway], progress: Progress) -> Outcome:
    ids = Ids.fresh()
    out = Outcome(ids)
    progress(f"run id {ids.run}: every asset id of this run ends with it")
    a = cast(rest, gateways)
    o1, o2, o3, bank = a["org1"], a["org2"], a["org3"], a["treasury"]
    out.accounts = {"Org1MSP": o1.account, "Org2MSP": o2.account, "Org3MSP": o3.account}
    now = int(time.time())

    progress("chapter 1: a EUR payment token, issued by Org2's treasury")
    rest.call(bank, "POST", "/classes", f"Register payment token {ids.eur} (EUR, 2 decimals)",
              {"spec": {"id": ids.eur, "kind": "fungible", "category": "payment", "name": "EUR deposit token",
                        "decimals": 2}})
    rest.call(bank, "POST", f"/classes/{ids.eur}/mint", f"Mint {eur(FUNDING_DEBTOR)} EUR to Org3 (the debtor)",
              {"to": o3.account, "amount": str(FUNDING_DEBTOR)})
    rest.call(bank, "POST", f"/classes/{ids.eur}/mint", f"Mint {eur(FUNDING_FINANCIER)} EUR to Org2 (financier)",
              {"to": o2.account, "amount": str(FUNDING_FINANCIER)})

    progress("chapter 2: Org1 invoices Org3; the receivable is tokenized")
    rest.call(o1, "POST", "/receivables",
              f"Register receivable {ids.receivable}: {eur(FACE)} EUR, creditor Org1, debtor Org3",
              {"spec": {"id": ids.receivable, "creditor": o1.account, "debtor": o3.account,
                        "paymentClassId": ids.eur, "amount": str(FACE), "dueDate": str(now + 30 * 86400),
                        "documentHash": sha256_hex(f"invoice {ids.receivable}")}})
    units = rest.call(o1, "GET", f"/accounts/{o1.account}/balances/{ids.rcv_class}",
                      f"Tokenized: Org1 holds class {ids.rcv_class}")
    if int(units["balance"]) != FACE:
        raise DemoError(f"tokenize: Org1 holds {units['balance']} units of {ids.rcv_class}, expected {FACE}")

    progress("chapter 3: Org1 sells 40 % of the receivable to Org2, delivery versus payment")
    rest.call(o1, "POST", "/swaps",
              f"Propose DvP {ids.swap}: {eur(SOLD)} of {ids.rcv_class} for {eur(PRICE)} EUR (units escrowed)",
              {"spec": {"id": ids.swap, "maker": o1.account, "taker": o2.account,
                        "give": {"classId": ids.rcv_class, "amount": str(SOLD)},
                        "take": {"classId": ids.eur, "amount": str(PRICE)}, "expiresAt": str(now + 3600)}})
    rest.call(o2, "POST", f"/swaps/{ids.swap}/settle", f"Org2 settles {ids.swap}: both legs in one transaction")

    progress("chapter 4: maturity - Org3 pays, holders are paid pro rata")
    rest.call(o3, "POST", f"/receivables/{ids.receivable}/settle", f"Org3 pays {eur(FACE)} EUR into settlement",
              {"payer": o3.account})
    out.distributions[ids.rcv_class] = process_until_done(rest, o3, ids.rcv_class, "Pay the receivable's holders")
    out.receivable_status = rest.read_when(o1, f"/receivables/{ids.receivable}", "Org1 sees the receivable settled",
                                           lambda r: r.get("status") == "settled")["status"]

    progress("chapter 5: royalties of a patent, paid to its royalty-share holders")
    rest.call(o1, "POST", "/classes", f"Register IP class {ids.ip_class}",
              {"spec": {"id": ids.ip_class, "kind": "nonfungible", "category": "ip", "name": "patents of Org1"}})
    rest.call(o1, "POST", f"/classes/{ids.ip_class}/items", f"Mint patent {ids.patent} to Org1",
              {"to": o1.account, "spec": {"id": ids.patent, "metadata": {"title": "low-power sensor mesh"},
                                          "contentHash": sha256_hex(f"patent {ids.patent}")}})
    rest.call(o1, "POST", "/classes", f"Register {SHARES} royalty shares {ids.shares} of {ids.patent}",
              {"spec": {"id": ids.shares, "kind": "fungible", "category": "security", "decimals": 0,
                        "maxSupply": str(SHARES), "name": f"royalty shares of {ids.patent}"}})
    rest.call(o1, "POST", f"/classes/{ids.shares}/mint", f"Mint {SHARES} shares to Org1",
              {"to": o1.account, "amount": str(SHARES)})
    rest.call(o1, "POST", "/transfers", f"Transfer {SHARES_TO_ORG2} shares to Org2",
              {"class_id": ids.shares, "sender": o1.account, "receiver": o2.account, "amount": str(SHARES_TO_ORG2)})
    rest.call(o1, "POST", "/transfers", f"Transfer {SHARES_TO_ORG3} shares to Org3",
              {"class_id": ids.shares, "sender": o1.account, "receiver": o3.account, "amount": str(SHARES_TO_ORG3)})
    rest.call(o1, "POST", "/distributions", f"Create royalty {ids.royalty}: {eur(ROYALTY)} EUR over {ids.shares}",
              {"spec": {"id": ids.royalty, "classId": ids.shares, "paymentClassId": ids.eur,
                        "payer": o1.account, "amount": str(ROYALTY), "kind": "royalty"}})
    out.distributions[ids.royalty] = process_until_done(rest, o2, ids.royalty, "Pay the royalty")

    out.expected = expected_balances(ids, out.accounts)
    out.balances = read_balances(rest, o1, out.expected)
    return out


def expected_balances(ids: Ids, accounts: dict[str, str]) -> dict[str, dict[str, int]]:
    """What the story must leave on the ledger (all exact: shares divide the totals without rounding)."""
    one, two, three = accounts["Org1MSP"], accounts["Org2MSP"], accounts["Org3MSP"]
    r1, r2, r3 = (ROYALTY * n // SHARES for n in (SHARES - SHARES_TO_ORG2 - SHARES_TO_ORG3, SHARES_TO_ORG2,
                                                  SHARES_TO_ORG3))
    return {
        ids.eur: {one: PRICE + (FACE - SOLD) - ROYALTY + r1,
                  two: FUNDING_FINANCIER - PRICE + SOLD + r2,
                  three: FUNDING_DEBTOR - FACE + r3},
        ids.rcv_class: {one: FACE - SOLD, two: SOLD, three: 0},
        ids.shares: {one: SHARES - SHARES_TO_ORG2 - SHARES_TO_ORG3, two: SHARES_TO_ORG2, three: SHARES_TO_ORG3},
    }


def read_balances(rest: Rest, reader: Actor, expected: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    balances: dict[str, dict[str, int]] = {}
    for class_id, accounts in expected.items():
        for account in accounts:
            want = expected[class_id][account]
            got = rest.read_when(reader, f"/accounts/{account}/balances/{class_id}",
                                 f"Balance of {account} in {class_id}", lambda r, w=want: int(r["balance"]) == w,
                                 quiet=True)
            balances.setdefault(class_id, {})[account] = int(got["balance"])
    return balances


def mismatches(outcome: Outcome) -> list[str]:
    bad = []
    for class_id, accounts in outcome.expected.items():
        for account, want in accounts.items():
            have = outcome.balances.get(class_id, {}).get(account)
            if have != want:
                bad.append(f"{account} in {class_id}: ledger {have}, expected {want}")
    if outcome.receivable_status != "settled":
        bad.append(f"receivable {outcome.ids.receivable}: status {outcome.receivable_status!r}, expected 'settled'")
    return bad
