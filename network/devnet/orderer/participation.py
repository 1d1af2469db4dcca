"""Read side of the channel participation API (``orderer/common/channelparticipation/restapi.go``).

Served on the orderer's admin port over mutual TLS (Fabric refuses to start an admin endpoint with TLS but
without client authentication). ``GET /participation/v1/channels`` lists channels,
``GET /participation/v1/channels/{id}`` describes one, ``GET .../{id}/blocks/{newest|oldest|config|N}``
returns a marshaled block. Joining and removing channels (POST/DELETE) are not offered by the devnet: its
orderer joins the channels of ``channel-artifacts/`` at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping

from network.devnet.node.operations import HttpRequest, HttpResponse, OperationsServer
from network.devnet.orderer.blocks import last_config_index
from network.devnet.orderer.chain import OrdererChain

BASE = "/participation/v1/"
CHANNELS = BASE + "channels"


def _accepts_json(request: HttpRequest) -> bool:
    accept = request.headers.get("accept", "")
    return not accept or any(
        t.strip().split(";")[0] in ("application/json", "*/*", "application/*") for t in accept.split(",")
    )


def channel_info(channel_id: str, chain: OrdererChain) -> dict[str, object]:
    return {
        "name": channel_id,
        "url": f"{CHANNELS}/{channel_id}",
        "consensusRelation": "consenter",
        "status": "active",
        "height": chain.height,
    }


def block_number(selector: str, chain: OrdererChain) -> int | None:
    if selector == "newest":
        return chain.height - 1
    if selector == "oldest":
        return 0
    if selector == "config":
        return last_config_index(chain.store.last) if chain.height > 1 else 0
    if selector.isdigit():
        number = int(selector)
        return number if number < chain.height else None
    return None


def add_routes(server: OperationsServer, chains: Mapping[str, OrdererChain]) -> None:
    async def handle(request: HttpRequest) -> HttpResponse:
        if request.path.rstrip("/") == BASE.rstrip("/"):
            return HttpResponse(302, headers={"Location": CHANNELS})
        if request.method != "GET":
            return HttpResponse.json(405, {"error": "the devnet orderer joins channels at start-up"}, {"Allow": "GET"})
        parts = request.path[len(CHANNELS) :].strip("/").split("/") if request.path.startswith(CHANNELS) else None
        if parts is None:
            return HttpResponse.json(404, {"error": f"no such path {request.path}"})
        if not _accepts_json(request) and not (len(parts) == 3 and parts[1] == "blocks"):
            return HttpResponse.json(406, {"error": "response Content-Type is application/json"})
        if parts == [""]:
            listing = [{"name": cid, "url": f"{CHANNELS}/{cid}"} for cid in sorted(chains)]
            return HttpResponse.json(200, {"systemChannel": None, "channels": listing})
        chain = chains.get(parts[0])
        if chain is None:
            return HttpResponse.json(404, {"error": "channel does not exist"})
        if len(parts) == 1:
            return HttpResponse.json(200, channel_info(parts[0], chain))
        if len(parts) == 3 and parts[1] == "blocks":
            number = block_number(parts[2], chain)
            if number is None:
                return HttpResponse.json(404, {"error": f"block {parts[2]} not found"})
            return HttpResponse(200, chain.get_block(number).SerializeToString(), "application/octet-stream")
        return HttpResponse.json(404, {"error": f"no such path {request.path}"})

    server.add_prefix_route(BASE.rstrip("/"), handle)
