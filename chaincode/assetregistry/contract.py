"""The ``AssetRegistry`` contract: one method per transaction, each a one-line dispatch to a rule.

All arguments are strings (amounts as decimal strings, structured input as JSON objects); every method
returns canonical JSON. The catalogue (args, callers, events, errors) is in ``chaincode/README.md``.
The context parameter must be annotated ``TransactionContext`` or the contract API treats it as an
argument.
"""

from __future__ import annotations

from fabric_chaincode_python.fabric_contract_api import Contract, TransactionContext

from chaincode.assetregistry import (
    attestations,
    balances,
    classes,
    compliance,
    distributions,
    dvp,
    issuance,
    pending,
    queries,
    receivables,
    transfers,
)
from chaincode.assetregistry.runner import run
from chaincode.assetregistry.txstate import Tx

EVALUATE = [
    "GetClass", "ListClasses", "GetBalance", "GetHoldings", "GetHolders", "GetItem", "GetItemsByOwner",
    "GetAccountHistory", "GetAssetHistory", "GetPendingTransfers", "GetAllowance", "GetKyc", "GetUnderlying",
    "GetSwap", "GetDistribution", "GetReceivable", "WhoAmI",
]


class AssetRegistry(Contract):
    Name = "AssetRegistry"

    def get_evaluate_transactions(self) -> list[str]:
        return list(EVALUATE)

    # -- classes and issuance ---------------------------------------------------------------------
    async def RegisterClass(self, ctx: TransactionContext, spec: str) -> str:
        return await run(ctx, classes.register_class, spec)

    async def UpdateClassRules(self, ctx: TransactionContext, class_id: str, rules: str) -> str:
        return await run(ctx, classes.update_rules, class_id, rules)

    async def PauseClass(self, ctx: TransactionContext, class_id: str) -> str:
        return await run(ctx, classes.set_paused, class_id, True)

    async def UnpauseClass(self, ctx: TransactionContext, class_id: str) -> str:
        return await run(ctx, classes.set_paused, class_id, False)

    async def RegisterUnderlying(self, ctx: TransactionContext, spec: str) -> str:
        return await run(ctx, attestations.register_underlying, spec)

    async def AttestUnderlying(self, ctx: TransactionContext, underlying_id: str, document_hash: str,
                               opinion: str) -> str:
        return await run(ctx, attestations.attest, underlying_id, document_hash, opinion)

    async def Mint(self, ctx: TransactionContext, class_id: str, to: str, amount: str, underlying_id: str) -> str:
        return await run(ctx, issuance.mint, class_id, to, amount, underlying_id)

    async def MintItem(self, ctx: TransactionContext, class_id: str, to: str, spec: str, underlying_id: str) -> str:
        return await run(ctx, issuance.mint_item, class_id, to, spec, underlying_id)

    async def Burn(self, ctx: TransactionContext, class_id: str, account: str, amount: str, reference: str) -> str:
        return await run(ctx, _burn, class_id, account, amount, reference)

    async def Redeem(self, ctx: TransactionContext, class_id: str, account: str, amount: str, reference: str) -> str:
        return await run(ctx, _redeem, class_id, account, amount, reference)

    async def BurnItem(self, ctx: TransactionContext, class_id: str, item_id: str, reference: str) -> str:
        return await run(ctx, issuance.burn_item, class_id, item_id, reference)

    # -- transfers --------------------------------------------------------------------------------
    async def Transfer(self, ctx: TransactionContext, class_id: str, sender: str, receiver: str, amount: str) -> str:
        return await run(ctx, transfers.transfer, class_id, sender, receiver, amount)

    async def TransferItem(self, ctx: TransactionContext, class_id: str, item_id: str, receiver: str) -> str:
        return await run(ctx, transfers.transfer_item, class_id, item_id, receiver)

    async def BatchTransfer(self, ctx: TransactionContext, transfer_list: str) -> str:
        return await run(ctx, transfers.batch_transfer, transfer_list)

    async def Approve(self, ctx: TransactionContext, class_id: str, owner: str, spender: str, amount: str) -> str:
        return await run(ctx, transfers.approve, class_id, owner, spender, amount)

    async def TransferFrom(self, ctx: TransactionContext, class_id: str, owner: str, spender: str, receiver: str,
                           amount: str) -> str:
        return await run(ctx, transfers.transfer_from, class_id, owner, spender, receiver, amount)

    async def AcceptTransfer(self, ctx: TransactionContext, transfer_id: str) -> str:
        return await run(ctx, pending.accept, transfer_id)

    async def RejectTransfer(self, ctx: TransactionContext, transfer_id: str) -> str:
        return await run(ctx, pending.reject, transfer_id)

    async def ExpireTransfer(self, ctx: TransactionContext, transfer_id: str) -> str:
        return await run(ctx, pending.expire, transfer_id)

    async def ForcedTransfer(self, ctx: TransactionContext, class_id: str, sender: str, receiver: str,
                             amount_or_item: str, reason: str) -> str:
        return await run(ctx, transfers.forced_transfer, class_id, sender, receiver, amount_or_item, reason)

    async def Compact(self, ctx: TransactionContext, class_id: str, account: str) -> str:
        return await run(ctx, balances.compact_account, class_id, account)

    # -- delivery versus payment ------------------------------------------------------------------
    async def ProposeSwap(self, ctx: TransactionContext, spec: str) -> str:
        return await run(ctx, dvp.propose_swap, spec)

    async def SettleSwap(self, ctx: TransactionContext, swap_id: str) -> str:
        return await run(ctx, dvp.settle_swap, swap_id)

    async def CancelSwap(self, ctx: TransactionContext, swap_id: str) -> str:
        return await run(ctx, dvp.cancel_swap, swap_id)

    # -- compliance -------------------------------------------------------------------------------
    async def GrantKyc(self, ctx: TransactionContext, account: str, expires_at: str) -> str:
        return await run(ctx, compliance.grant_kyc, account, expires_at)

    async def RevokeKyc(self, ctx: TransactionContext, account: str) -> str:
        return await run(ctx, compliance.revoke_kyc, account)

    async def FreezeAccount(self, ctx: TransactionContext, account: str, scope: str, reason: str) -> str:
        return await run(ctx, compliance.set_frozen, account, scope, True, reason)

    async def UnfreezeAccount(self, ctx: TransactionContext, account: str, scope: str, reason: str) -> str:
        return await run(ctx, compliance.set_frozen, account, scope, False, reason)

    # -- distributions and receivables ------------------------------------------------------------
    async def CreateDistribution(self, ctx: TransactionContext, spec: str) -> str:
        return await run(ctx, distributions.create_distribution, spec)

    async def ProcessDistribution(self, ctx: TransactionContext, distribution_id: str, page_size: str) -> str:
        return await run(ctx, distributions.process_distribution, distribution_id, page_size)

    async def CreateReceivable(self, ctx: TransactionContext, spec: str) -> str:
        return await run(ctx, receivables.create_receivable, spec)

    async def SettleReceivable(self, ctx: TransactionContext, receivable_id: str, payer: str) -> str:
        return await run(ctx, receivables.settle_receivable, receivable_id, payer)

    # -- queries ----------------------------------------------------------------------------------
    async def GetClass(self, ctx: TransactionContext, class_id: str) -> str:
        return await run(ctx, queries.get_class, class_id)

    async def ListClasses(self, ctx: TransactionContext, page_size: str, bookmark: str) -> str:
        return await run(ctx, queries.list_classes, page_size, bookmark)

    async def GetBalance(self, ctx: TransactionContext, class_id: str, account: str) -> str:
        return await run(ctx, queries.get_balance, class_id, account)

    async def GetHoldings(self, ctx: TransactionContext, account: str, page_size: str, bookmark: str) -> str:
        return await run(ctx, queries.get_holdings, account, page_size, bookmark)

    async def GetHolders(self, ctx: TransactionContext, class_id: str, page_size: str, bookmark: str) -> str:
        return await run(ctx, queries.get_holders, class_id, page_size, bookmark)

    async def GetItem(self, ctx: TransactionContext, class_id: str, item_id: str) -> str:
        return await run(ctx, queries.get_item, class_id, item_id)

    async def GetItemsByOwner(self, ctx: TransactionContext, account: str, page_size: str, bookmark: str) -> str:
        return await run(ctx, queries.get_items_by_owner, account, page_size, bookmark)

    async def GetAccountHistory(self, ctx: TransactionContext, account: str, page_size: str, bookmark: str) -> str:
        return await run(ctx, queries.get_account_history, account, page_size, bookmark)

    async def GetAssetHistory(self, ctx: TransactionContext, class_id: str, item_id: str) -> str:
        return await run(ctx, queries.get_asset_history, class_id, item_id)

    async def GetPendingTransfers(self, ctx: TransactionContext, account: str, page_size: str,
                                  bookmark: str) -> str:
        return await run(ctx, queries.get_pending_transfers, account, page_size, bookmark)

    async def GetAllowance(self, ctx: TransactionContext, class_id: str, owner: str, spender: str) -> str:
        return await run(ctx, queries.get_allowance, class_id, owner, spender)

    async def GetKyc(self, ctx: TransactionContext, account: str) -> str:
        return await run(ctx, queries.get_kyc, account)

    async def GetUnderlying(self, ctx: TransactionContext, underlying_id: str) -> str:
        return await run(ctx, queries.get_by_id, "underlying", underlying_id)

    async def GetSwap(self, ctx: TransactionContext, swap_id: str) -> str:
        return await run(ctx, queries.get_by_id, "swap", swap_id)

    async def GetDistribution(self, ctx: TransactionContext, distribution_id: str) -> str:
        return await run(ctx, queries.get_by_id, "distribution", distribution_id)

    async def GetReceivable(self, ctx: TransactionContext, receivable_id: str) -> str:
        return await run(ctx, queries.get_by_id, "receivable", receivable_id)

    async def WhoAmI(self, ctx: TransactionContext) -> str:
        return await run(ctx, queries.whoami)


async def _burn(tx: Tx, class_id: str, account: str, amount: str, reference: str) -> dict[str, object]:
    return await issuance.burn(tx, class_id, account, amount, reference, redeem=False)


async def _redeem(tx: Tx, class_id: str, account: str, amount: str, reference: str) -> dict[str, object]:
    return await issuance.burn(tx, class_id, account, amount, reference, redeem=True)
