"""The devnet peer: block puller, committer, Deliver services and the node D3's services plug into."""
