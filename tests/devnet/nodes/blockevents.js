'use strict';
// Reads block events from a devnet peer with the official @hyperledger/fabric-gateway client (unchanged),
// which calls the peer's protos.Deliver service directly (Deliver, DeliverFiltered, DeliverWithPrivateData).
// Usage: node blockevents.js <plan.json>; plan = {peer, identity, channel, startBlock, count};
// prints {"blocks": [...], "filtered": [...], "private": [...]} with block numbers and txids.
const path = require('node:path');
const interop = path.join(__dirname, '..', '..', 'interop', 'node');
const { runWithGateway, take } = require(path.join(interop, 'gateway_plan.js'));
const { common } = require(path.join(interop, 'node_modules', '@hyperledger', 'fabric-protos'));

function txids(block) {
    return block.getData().getDataList().map((raw) => {
        const envelope = common.Envelope.deserializeBinary(raw);
        const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
        return common.ChannelHeader.deserializeBinary(payload.getHeader().getChannelHeader_asU8()).getTxId();
    });
}

runWithGateway({}, async (gateway, plan) => {
    const network = gateway.getNetwork(plan.channel);
    const options = { startBlock: BigInt(plan.startBlock) };
    const blocks = await take(await network.getBlockEvents(options), plan.count,
        (b) => ({ number: b.getHeader().getNumber().toString(), txids: txids(b) }));
    const filtered = await take(await network.getFilteredBlockEvents(options), plan.count,
        (fb) => ({ number: fb.getNumber().toString(),
            txids: fb.getFilteredTransactionsList().map((t) => t.getTxid()),
            codes: fb.getFilteredTransactionsList().map((t) => t.getTxValidationCode()) }));
    const priv = await take(await network.getBlockAndPrivateDataEvents(options), plan.count,
        (bp) => ({ number: bp.getBlock().getHeader().getNumber().toString(), txids: txids(bp.getBlock()) }));
    process.stdout.write(JSON.stringify({ blocks, filtered, private: priv }) + '\n');
});
