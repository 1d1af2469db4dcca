'use strict';
// Test chaincode on the official Node shim (fabric-shim), served as chaincode-as-a-service.
// Env: CHAINCODE_ID (package ID), CHAINCODE_SERVER_ADDRESS (host:port).
const shim = require('fabric-shim');

async function collect(iterator, map) {
    const out = [];
    for (;;) {
        const res = await iterator.next();
        if (res.value) out.push(map(res.value));
        if (res.done) { await iterator.close(); return out; }
    }
}

const functions = {
    async put(stub, [key, value]) { await stub.putState(key, Buffer.from(value)); return ''; },
    async get(stub, [key]) { return (await stub.getState(key)).toString(); },
    async del(stub, [key]) { await stub.deleteState(key); return ''; },
    async range(stub, [start, end]) {
        return JSON.stringify(await collect(await stub.getStateByRange(start, end), (kv) => kv.key));
    },
    async page(stub, [start, end, size, bookmark]) {
        const { iterator, metadata } = await stub.getStateByRangeWithPagination(start, end, Number(size), bookmark);
        const keys = await collect(iterator, (kv) => kv.key);
        return JSON.stringify({ keys, bookmark: metadata.bookmark, count: metadata.fetchedRecordsCount });
    },
    async history(stub, [key]) {
        return JSON.stringify(await collect(await stub.getHistoryForKey(key),
            (m) => [m.txId, Buffer.from(m.value).toString(), m.isDelete]));
    },
    async event(stub, [name, payload]) {
        await stub.putState(name, Buffer.from(payload));
        stub.setEvent(name, Buffer.from(payload));
        return '';
    },
    async call(stub, [cc, ...args]) {
        const res = await stub.invokeChaincode(cc, args);
        if (res.status !== 200) throw new Error(`callee failed: ${res.message}`);
        return 'called:' + Buffer.from(res.payload).toString();
    },
    async setvp(stub, [key, hex]) { await stub.setStateValidationParameter(key, Buffer.from(hex, 'hex')); return ''; },
    async getvp(stub, [key]) { return Buffer.from(await stub.getStateValidationParameter(key)).toString('hex'); },
};

class TestChaincode {
    async Init() { return shim.success(Buffer.from('init-ok')); }

    async Invoke(stub) {
        const { fcn, params } = stub.getFunctionAndParameters();
        const fn = functions[fcn];
        if (!fn) return shim.error(`unknown function ${fcn}`);
        try {
            return shim.success(Buffer.from(await fn(stub, params)));
        } catch (err) {
            return shim.error(err.message);
        }
    }
}

const server = shim.server(new TestChaincode(), {
    ccid: process.env.CHAINCODE_ID,
    address: process.env.CHAINCODE_SERVER_ADDRESS,
});
server.start().catch((err) => { process.stderr.write(`${err.stack}\n`); process.exit(1); });
