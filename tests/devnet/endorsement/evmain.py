"""``python -m tests.devnet.endorsement.evmain``: the event-emitting raw chaincode as a CCaaS process."""

from __future__ import annotations

import asyncio
import os

from tests.devnet.endorsement.rawcc import start_event_server


async def main() -> None:
    address = os.environ["CHAINCODE_SERVER_ADDRESS"]
    server = await start_event_server(os.environ["CHAINCODE_ID"], int(address.rsplit(":", 1)[1]))
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main())
