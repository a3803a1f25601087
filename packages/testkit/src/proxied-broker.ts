import { startBrokerProcess, type BrokerProcess, type BrokerProcessOptions } from "./broker-process.js";
import { findFreePort } from "./free-port.js";
import { startTcpProxy, type TcpProxy, type TcpProxyOptions } from "./tcp-proxy.js";

export interface ProxiedBroker {
  broker: BrokerProcess;
  proxy: TcpProxy;
  /** The proxy's address: what clients must bootstrap from (and what the broker advertises). */
  bootstrap: string;
  /** Stops the broker, closes the proxy and removes the broker's temporary directory. */
  dispose(): Promise<void>;
}

/**
 * A broker process behind a TCP proxy. The broker advertises the proxy's
 * address, so clients that follow Metadata keep talking through the proxy
 * (otherwise they would reconnect to the broker's own port and escape the
 * faults).
 */
export async function startProxiedBroker(
  options: Omit<BrokerProcessOptions, "port"> & { proxy?: Omit<TcpProxyOptions, "targetPort"> } = {},
): Promise<ProxiedBroker> {
  const brokerPort = await findFreePort();
  const proxy = await startTcpProxy({ ...options.proxy, targetPort: brokerPort });
  let broker: BrokerProcess;
  try {
    broker = await startBrokerProcess({
      ...options,
      port: brokerPort,
      overrides: { "advertised.listeners": `PLAINTEXT://${proxy.address}`, ...options.overrides },
    });
  } catch (error) {
    await proxy.close();
    throw error;
  }
  return {
    broker,
    proxy,
    bootstrap: proxy.address,
    async dispose() {
      await broker.dispose();
      await proxy.close();
    },
  };
}
