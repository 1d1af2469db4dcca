"""``python -m chaincode``: run the asset-registry chaincode-as-a-service server."""

import sys

from chaincode.server import main

sys.exit(main())
