import type { DispatchRadio } from '../api/incidents-api';
import type { MqttPublisher } from '../broker/broker';
import type { PeiBridge } from './pei-bridge';

export interface DispatchRadioOptions {
  broker: MqttPublisher;
  pei: Pick<PeiBridge, 'sendText'>;
}

/**
 * The radio side of a dispatch over both bearers: MQTT downlinks through the embedded broker
 * and TETRA SDS through the PEI bridge. The incidents API sees only `DispatchRadio`.
 */
export class BearerDispatchRadio implements DispatchRadio {
  constructor(private readonly opts: DispatchRadioOptions) {}

  publish(topic: string, payload: unknown): Promise<void> {
    return this.opts.broker.publish(topic, payload);
  }

  sendText(issi: number, text: string, msgId: string): Promise<void> {
    return this.opts.pei.sendText(issi, text, msgId);
  }
}
