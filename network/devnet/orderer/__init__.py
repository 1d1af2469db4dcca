"""The devnet orderer: Broadcast admission, block cutting, signed blocks, durable chain, Deliver."""
