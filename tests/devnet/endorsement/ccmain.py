"""``python -m tests.devnet.endorsement.ccmain``: the test chaincode as a CCaaS process (for deploy tests)."""

from __future__ import annotations

import asyncio
import os

from tests.devnet.endorsement.testcc import start_server


async def main() -> None:
    address = os.environ["CHAINCODE_SERVER_ADDRESS"]
    server, _ = await start_server(os.environ["CHAINCODE_ID"], port=int(address.rsplit(":", 1)[1]))
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main())
