'use strict';
// Drives the official @hyperledger/fabric-gateway client from pytest.
// Usage: node client.js <plan.json>; prints one JSON object per step on stdout.
// plan = {peer: {address, hostAlias, tlsRootCertPath}, identity: {mspId, certPath, keyPath},
//         channel, chaincode, steps: [{op: "submit"|"evaluate"|"events"|"submitAsync", ...}]}
const { runWithGateway, take } = require('./gateway_plan');

function describeError(err) {
    const out = { error: err.constructor.name, message: err.message, code: err.code };
    if (Array.isArray(err.details)) {
        out.details = err.details.map((d) => ({ address: d.address, mspId: d.mspId, message: d.message }));
    }
    if (err.transactionId) out.transactionId = err.transactionId;
    if (err.code !== undefined && typeof err.code === 'number' && err.constructor.name === 'CommitError') {
        out.validationCode = err.code;
    }
    return out;
}

async function runStep(network, contract, step) {
    const args = step.args || [];
    switch (step.op) {
    case 'evaluate': {
        const result = await contract.evaluateTransaction(step.fn, ...args);
        return { result: Buffer.from(result).toString('utf8') };
    }
    case 'submit': {
        const proposal = contract.newProposal(step.fn, { arguments: args });
        const transaction = await proposal.endorse();
        const submitted = await transaction.submit();
        const status = await submitted.getStatus();
        return {
            transactionId: submitted.getTransactionId(),
            result: Buffer.from(submitted.getResult()).toString('utf8'),
            code: status.code,
            successful: status.successful,
            blockNumber: status.blockNumber.toString(),
        };
    }
    case 'events': {
        const options = step.startBlock !== undefined ? { startBlock: BigInt(step.startBlock) } : {};
        const events = await network.getChaincodeEvents(step.chaincode, options);
        return {
            events: await take(events, step.count || 1, (event) => ({
                eventName: event.eventName,
                transactionId: event.transactionId,
                blockNumber: event.blockNumber.toString(),
                payload: Buffer.from(event.payload).toString('utf8'),
            })),
        };
    }
    default:
        throw new Error(`unknown op ${step.op}`);
    }
}

const DEADLINES = {
    evaluateOptions: () => ({ deadline: Date.now() + 15000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30000 }),
    submitOptions: () => ({ deadline: Date.now() + 15000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60000 }),
};

runWithGateway(DEADLINES, async (gateway, plan) => {
    const network = gateway.getNetwork(plan.channel);
    const contract = network.getContract(plan.chaincode);
    for (const step of plan.steps) {
        let out;
        try {
            out = { op: step.op, ok: true, ...(await runStep(network, contract, { chaincode: plan.chaincode, ...step })) };
        } catch (err) {
            out = { op: step.op, ok: false, ...describeError(err) };
        }
        process.stdout.write(JSON.stringify(out) + '\n');
    }
});
