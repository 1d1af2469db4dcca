"""The Deliver protocol shared by the orderer (``AtomicBroadcast/Deliver``) and the peer (``protos.Deliver``)."""
