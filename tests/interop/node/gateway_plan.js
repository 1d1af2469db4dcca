'use strict';
// Shared by the Node drivers (client.js here, tests/devnet/nodes/blockevents.js): the official Gateway
// client connected as a plan's identity to a plan's peer over TLS, the driver's main run against it, and
// reading the first items of one of the client's closeable event streams.
// plan = {peer: {address, hostAlias, tlsRootCertPath}, identity: {mspId, certPath, keyPath}, ...}.
const fs = require('node:fs');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const { connect, signers } = require('@hyperledger/fabric-gateway');

// Returns {client, gateway}; the caller closes both. `options` are extra connect() options (deadlines).
function connectGateway(plan, options = {}) {
    const tlsCredentials = grpc.credentials.createSsl(fs.readFileSync(plan.peer.tlsRootCertPath));
    const client = new grpc.Client(plan.peer.address, tlsCredentials, {
        'grpc.ssl_target_name_override': plan.peer.hostAlias,
    });
    const gateway = connect({
        client,
        identity: { mspId: plan.identity.mspId, credentials: fs.readFileSync(plan.identity.certPath) },
        signer: signers.newPrivateKeySigner(crypto.createPrivateKey(fs.readFileSync(plan.identity.keyPath))),
        ...options,
    });
    return { client, gateway };
}

// The first `count` items of `iterable`, each mapped by `describe`; the stream is closed either way.
async function take(iterable, count, describe) {
    const out = [];
    try {
        for await (const item of iterable) {
            out.push(describe(item));
            if (out.length >= count) break;
        }
    } finally {
        iterable.close();
    }
    return out;
}

// A driver's whole run: reads the plan named by argv[2], calls `use(gateway, plan)` on a fresh connection
// and closes it afterwards; any failure is printed to stderr and ends the process with status 2.
function runWithGateway(options, use) {
    const run = async () => {
        const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
        const { client, gateway } = connectGateway(plan, options);
        try {
            await use(gateway, plan);
        } finally {
            gateway.close();
            client.close();
        }
    };
    run().catch((err) => {
        process.stderr.write(`${err.stack || err}\n`);
        process.exit(2);
    });
}

module.exports = { runWithGateway, take };
