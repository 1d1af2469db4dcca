"""SeekInfo resolution, request checks and filtered-block shaping (``common/deliver``, ``deliverevents.go``)."""

from __future__ import annotations

import datetime

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import chaincode_event_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2

from network.devnet.deliver.request import seek_info, seek_newest, seek_oldest, seek_specified
from network.devnet.deliver.seekinfo import (
    TIME_WINDOW,
    DeliverRequestError,
    check_timestamp,
    parse_seek_info,
    start_number,
    stop_number,
)
from network.devnet.orderer.blocks import block_header_bytes
from network.devnet.peer.deliver import filtered_block


def test_start_positions() -> None:
    assert start_number(seek_oldest(), 5) == 0
    assert start_number(seek_newest(), 5) == 4
    assert start_number(seek_specified(5), 5) == 5  # the next block: wait for it
    assert start_number(seek_specified(6), 5) is None  # beyond the next block: NOT_FOUND
    assert start_number(ab_pb2.SeekPosition(next_commit=ab_pb2.SeekNextCommit()), 5) is None


def test_stop_positions() -> None:
    assert stop_number(seek_info(seek_newest(), seek_newest()), 4, 9) == 4  # exactly one block
    assert stop_number(seek_info(seek_oldest(), seek_newest()), 0, 9) == 8
    assert stop_number(seek_info(seek_oldest(), seek_specified(3)), 0, 9) == 3
    with pytest.raises(DeliverRequestError) as err:
        stop_number(seek_info(seek_specified(5), seek_specified(3)), 5, 9)
    assert err.value.status == common_pb2.BAD_REQUEST


def test_seek_info_needs_start_and_stop() -> None:
    with pytest.raises(DeliverRequestError, match="start or stop"):
        parse_seek_info(ab_pb2.SeekInfo(start=seek_oldest()).SerializeToString())


def test_timestamp_window() -> None:
    now = datetime.datetime.now(datetime.UTC)
    chdr = common_pb2.ChannelHeader()
    with pytest.raises(DeliverRequestError, match="timestamp"):
        check_timestamp(chdr, now, TIME_WINDOW)
    chdr.timestamp.FromDatetime(now - datetime.timedelta(minutes=16))
    with pytest.raises(DeliverRequestError, match="apart"):
        check_timestamp(chdr, now, TIME_WINDOW)
    chdr.timestamp.FromDatetime(now - datetime.timedelta(minutes=14))
    check_timestamp(chdr, now, TIME_WINDOW)


def _endorser_tx(txid: str, event: chaincode_event_pb2.ChaincodeEvent | None) -> bytes:
    action = proposal_pb2.ChaincodeAction(events=event.SerializeToString() if event else b"")
    prp = proposal_response_pb2.ProposalResponsePayload(extension=action.SerializeToString())
    cap = transaction_pb2.ChaincodeActionPayload(
        action=transaction_pb2.ChaincodeEndorsedAction(proposal_response_payload=prp.SerializeToString())
    )
    tx = transaction_pb2.Transaction(actions=[transaction_pb2.TransactionAction(payload=cap.SerializeToString())])
    chdr = common_pb2.ChannelHeader(type=common_pb2.ENDORSER_TRANSACTION, tx_id=txid)
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=chdr.SerializeToString()), data=tx.SerializeToString()
    )
    return common_pb2.Envelope(payload=payload.SerializeToString(), signature=b"s").SerializeToString()


def test_filtered_block_drops_event_payload_and_keeps_codes() -> None:
    event = chaincode_event_pb2.ChaincodeEvent(chaincode_id="asset", tx_id="t1", event_name="Created", payload=b"big")
    block = common_pb2.Block()
    block.header.number = 7
    block.data.data.extend([_endorser_tx("t1", event), _endorser_tx("t2", None)])
    block.metadata.metadata.extend([b"", b"", bytes([0, 11]), b"", b""])
    fb = filtered_block(block, "ch")
    assert (fb.channel_id, fb.number) == ("ch", 7)
    first, second = fb.filtered_transactions
    assert (first.txid, first.tx_validation_code, first.type) == ("t1", 0, common_pb2.ENDORSER_TRANSACTION)
    [action] = first.transaction_actions.chaincode_actions
    assert action.chaincode_event == chaincode_event_pb2.ChaincodeEvent(
        chaincode_id="asset", tx_id="t1", event_name="Created"
    )
    assert (second.txid, second.tx_validation_code) == ("t2", 11)
    assert list(second.transaction_actions.chaincode_actions) == []


def test_header_bytes_der() -> None:
    header = common_pb2.BlockHeader(number=0)
    assert block_header_bytes(header) == bytes.fromhex("3007020100040004 00".replace(" ", ""))
    header = common_pb2.BlockHeader(number=128, previous_hash=b"\x01", data_hash=b"\x02")
    assert block_header_bytes(header) == bytes.fromhex("300a02020080040101040102")
