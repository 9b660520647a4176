import { ConnectionPool, describeTransactionsV0, findCoordinatorV6 } from '@platformatic/kafka';

const TRANSACTION_KEY = 1;

/**
 * Whether the transaction `transactionalId` was committed at or after `since` (epoch ms): the
 * coordinator's word (DescribeTransactions), which outlives the writer that committed it. A
 * transaction being committed (PrepareCommit) counts: the coordinator finishes it.
 */
export async function committedSince(servers: readonly string[], clientId: string, transactionalId: string, since: number): Promise<boolean> {
  const pool = new ConnectionPool(clientId, { connectTimeout: 5_000, requestTimeout: 30_000 });
  try {
    const brokers = servers.map((s) => {
      const at = s.lastIndexOf(':');
      return { host: s.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(s.slice(at + 1)) };
    });
    const bootstrap = await pool.getFirstAvailable(brokers);
    const found = await findCoordinatorV6.api.async(bootstrap, TRANSACTION_KEY, [transactionalId]);
    const coordinator = found.coordinators[0];
    if (coordinator === undefined || coordinator.errorCode !== 0) throw new Error(`no transaction coordinator for "${transactionalId}" (error code ${coordinator?.errorCode})`);
    const connection = await pool.get({ host: coordinator.host, port: coordinator.port });
    const described = await describeTransactionsV0.api.async(connection, [transactionalId]);
    const state = described.transactionStates[0];
    // TRANSACTIONAL_ID_NOT_FOUND (105): never used, or expired.
    if (state === undefined || state.errorCode === 105) return false;
    if (state.errorCode !== 0) throw new Error(`describing transaction "${transactionalId}" failed with Kafka error code ${state.errorCode}`);
    return (state.transactionState === 'CompleteCommit' || state.transactionState === 'PrepareCommit') && Number(state.transactionStartTimeMs) >= since;
  } finally {
    await pool.close().catch(() => {});
  }
}
